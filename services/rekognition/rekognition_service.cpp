#include "services/rekognition/rekognition_service.hpp"

#include "emulator/protocol/aws_json.hpp"

namespace fogbank::rekognition {

namespace {

constexpr std::string_view kJsonType = "application/x-amz-json-1.1";

}  // namespace

BodyPlan RekognitionService::body_plan(const RequestHead&) const {
    // A body too large to hold even a 5 MB image in base64 is an image that is too large.
    BodyPlan plan;
    plan.max_size = 16 * 1024 * 1024;
    plan.too_large = AwsError("ImageTooLargeException", "Image size is too large.", 400);
    return plan;
}

Response RekognitionService::handle(Request& req) {
    // fogbank's own: an indexed face's JPEG, for the console's collection view. Signed and
    // scoped to the caller's account like the API; errors in its JSON shape.
    if (req.path == "/_fogbank/rekognition/face-crop") {
        req.operation = "GetFaceCrop";
        if (req.method != http::verb::get)
            throw AwsError("InvalidParameterException", "GET " + req.path, 405);
        json in = json::object();
        if (auto c = req.query_param("CollectionId")) in["CollectionId"] = *c;
        if (auto f = req.query_param("FaceId")) in["FaceId"] = *f;
        Response res;
        res.body = backend_.face_crop(Caller{req.account, req.region, nullptr}, in);
        res.headers.set("Content-Type", "image/jpeg");
        return res;
    }
    std::string op = aws_json::operation(req);
    req.operation = op;
    if (!backend_.knows(op))
        throw AwsError("UnknownOperationException",
                       op.empty() ? "Missing X-Amz-Target" : "Unknown operation: " + op, 400);
    json in = aws_json::parse(req);
    json out;
    std::string override_rule;
    try {
        out = backend_.call(op, Caller{req.account, req.region, &override_rule}, in);
    } catch (const json::exception& e) {
        throw AwsError("SerializationException",
                       std::string("Unexpected value type in payload: ") + e.what(), 400);
    }
    Response res = aws_json::response(out, kJsonType);
    res.headers.set("x-amzn-RequestId", req.request_id);
    if (!override_rule.empty()) res.headers.set("x-fogbank-override", override_rule);
    return res;
}

bool RekognitionService::quick(const RequestHead& head) const {
    std::string op = aws_json::operation(head);
    return op == "CreateCollection" || op == "DescribeCollection" || op == "ListCollections" ||
           op == "DeleteCollection" || op == "ListFaces" || op == "DeleteFaces";
}

Response RekognitionService::error_response(const AwsError& err, const RequestHead& head) const {
    return aws_json::error_response(err, head, "", kJsonType);
}

nlohmann::json RekognitionService::health() const {
    return vision_.health();
}

}  // namespace fogbank::rekognition
