// DynamoDB on the wire: AWS JSON 1.0, X-Amz-Target: DynamoDB_20120810.<Op>, errors typed in
// DynamoDB's namespaces, and the x-amz-crc32 checksum of each body that SDKs verify.
#pragma once

#include "emulator/config.hpp"
#include "emulator/database.hpp"
#include "emulator/service.hpp"
#include "services/dynamodb/backend.hpp"

namespace fogbank::dynamodb {

class DynamoDbService : public Service {
  public:
    DynamoDbService(const Config& cfg, Database& db) : cfg_(cfg), backend_(cfg, db) {}
    std::string_view name() const override { return "dynamodb"; }
    Response handle(Request& req) override;
    // In-memory work under one lock plus at most one small SQLite transaction.
    bool quick(const RequestHead&) const override { return true; }
    Response error_response(const AwsError& err, const RequestHead& head) const override;
    void reset() override { backend_.reset(); }
    Backend& backend() { return backend_; }

  private:
    const Config& cfg_;
    Backend backend_;
};

}  // namespace fogbank::dynamodb
