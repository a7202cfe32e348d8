// S3 over the rest-xml protocol: path-style and virtual-hosted-style addressing.
#pragma once

#include <memory>

#include "emulator/blob_store.hpp"
#include "emulator/config.hpp"
#include "emulator/database.hpp"
#include "emulator/service.hpp"
#include "services/s3/lifecycle.hpp"
#include "services/s3/notifications.hpp"
#include "services/s3/store.hpp"

namespace fogbank::s3 {

struct Target;

class S3Service : public Service {
  public:
    S3Service(const Config& cfg, Database& db, BlobStore& blobs);
    std::string_view name() const override { return "s3"; }
    BodyPlan body_plan(const RequestHead& head) const override;
    Response handle(Request& req) override;
    bool quick(const RequestHead& head) const override;
    Response error_response(const AwsError& err, const RequestHead& head) const override;
    void reset() override {
        store_.reset();
        notifications_.reset();
        lifecycle_.reset();
    }
    bool s3_signing() const override { return true; }
    // Rekognition reads Image.S3Object through it.
    Store& store() { return store_; }
    Notifications& notifications() { return notifications_; }

  private:
    void publish(const Request& req, const Target& t, const Response& res);

    const Config& cfg_;
    BlobStore& blobs_;
    mutable Store store_;
    Notifications notifications_;
    Lifecycle lifecycle_{store_, notifications_};  // last: its sweeps use the two above
};

}  // namespace fogbank::s3
