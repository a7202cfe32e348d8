// Rekognition on the wire: AWS JSON 1.1, X-Amz-Target: RekognitionService.<Op>, errors as
// {"__type": code, "Message": text}. Operations that look at an image run on the worker pool;
// the collection bookkeeping is quick enough for the I/O thread.
#pragma once

#include "emulator/config.hpp"
#include "emulator/database.hpp"
#include "emulator/service.hpp"
#include "services/rekognition/backend.hpp"
#include "services/rekognition/vision_client.hpp"

namespace fogbank::rekognition {

class RekognitionService : public Service {
  public:
    RekognitionService(const Config& cfg, Database& db, s3::Store& s3)
        : vision_(cfg), backend_(cfg, db, s3, vision_) {}
    std::string_view name() const override { return "rekognition"; }
    BodyPlan body_plan(const RequestHead& head) const override;
    Response handle(Request& req) override;
    bool quick(const RequestHead& head) const override;
    Response error_response(const AwsError& err, const RequestHead& head) const override;
    void reset() override { backend_.reset(); }
    nlohmann::json health() const override;

  private:
    VisionClient vision_;
    mutable Backend backend_;
};

}  // namespace fogbank::rekognition
