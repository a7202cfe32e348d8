#include "services/rekognition/backend.hpp"

#include <unistd.h>

#include <algorithm>

#include "emulator/crypto.hpp"
#include "emulator/encoding.hpp"
#include "emulator/http_message.hpp"
#include "emulator/image_header.hpp"
#include "services/rekognition/validation.hpp"

namespace fogbank::rekognition {

namespace {

constexpr size_t kMaxBytesImage = 5 * 1024 * 1024;  // Image.Bytes
constexpr size_t kMaxS3Image = 15 * 1024 * 1024;    // Image.S3Object
// Rekognition's largest image: 10,000 pixels a side. Checked in the header before decoding, so
// that a small file claiming huge dimensions never allocates them.
constexpr uint32_t kMaxDimension = 10000;

AwsError too_large() {
    return AwsError("ImageTooLargeException", "Image size is too large.", 400);
}

AwsError invalid_s3_object() {
    return AwsError("InvalidS3ObjectException",
                    "Unable to get object metadata from S3. Check object key, region and/or "
                    "access permissions.",
                    400);
}

std::string read_object(s3::Store& store, const std::string& bucket, const std::string& key) {
    auto object = store.read_small_object(bucket, key, kMaxS3Image);
    if (!object) throw invalid_s3_object();
    if (object->too_large) throw too_large();
    return std::move(object->bytes);
}

}  // namespace

Backend::Backend(const Config& cfg, Database& db, s3::Store& s3, VisionClient& vision)
    : cfg_(cfg), s3_(s3), vision_(vision), collections_(db) {
    if (!cfg.vision_overrides.empty()) overrides_ = Overrides::load(cfg.vision_overrides);
    handlers_ = {
        {"DetectLabels", &Backend::detect_labels},
        {"DetectModerationLabels", &Backend::detect_moderation_labels},
        {"DetectFaces", &Backend::detect_faces},
        {"DetectText", &Backend::detect_text},
        {"CompareFaces", &Backend::compare_faces},
        {"CreateCollection", &Backend::create_collection},
        {"DescribeCollection", &Backend::describe_collection},
        {"ListCollections", &Backend::list_collections},
        {"DeleteCollection", &Backend::delete_collection},
        {"IndexFaces", &Backend::index_faces},
        {"ListFaces", &Backend::list_faces},
        {"DeleteFaces", &Backend::delete_faces},
        {"SearchFaces", &Backend::search_faces},
        {"SearchFacesByImage", &Backend::search_faces_by_image},
    };
}

json Backend::call(const std::string& op, const Caller& caller, const json& in) {
    try {
        return (this->*handlers_.at(op))(caller, in);
    } catch (const std::runtime_error& e) {
        if (dynamic_cast<const AwsError*>(&e)) throw;
        // A model that cannot load (not fetched, wrong checksum): the server's fault, said so.
        throw AwsError("InternalServerError", e.what(), 500);
    }
}

const json* Backend::overridden(const std::string& op, const Caller& caller,
                                const InputImage& img) {
    const OverrideRule* rule = overrides_.match(op, img.s3_key, img.sha256);
    if (!rule) return nullptr;
    if (caller.override_rule) *caller.override_rule = rule->name;
    return &rule->response;
}

InputImage Backend::image(const json& in, const char* member, uint32_t longest_needed) {
    auto it = in.find(member);
    if (it == in.end() || it->is_null()) throw missing_member(member);
    if (!it->is_object()) throw invalid_parameter();
    const json& img = *it;
    bool has_bytes = img.contains("Bytes") && !img["Bytes"].is_null();
    bool has_s3 = img.contains("S3Object") && !img["S3Object"].is_null();
    if (has_bytes == has_s3) throw invalid_parameter();

    InputImage out;
    std::string bytes;
    if (has_bytes) {
        if (!img["Bytes"].is_string())
            throw AwsError("SerializationException", "Image.Bytes must be base64 text", 400);
        auto decoded = base64_decode(img["Bytes"].get<std::string>());
        if (!decoded)
            throw AwsError("SerializationException", "Image.Bytes is not valid base64", 400);
        if (decoded->empty())
            throw validation_error("1 validation error detected: Value at '" + wire_name(member) +
                                   ".bytes' failed to satisfy constraint: Member must have "
                                   "length greater than or equal to 1");
        if (decoded->size() > kMaxBytesImage) throw too_large();
        bytes = std::move(*decoded);
    } else {
        const json& s3o = img["S3Object"];
        if (!s3o.is_object()) throw invalid_parameter();
        auto bucket = string_member(s3o, "Bucket", nullptr, 255, true);
        auto key = string_member(s3o, "Name", nullptr, 1024, true);
        bytes = read_object(s3_, *bucket, *key);
        out.s3_key = *key;
    }
    auto header = read_image_header(bytes);
    if (!header)
        throw AwsError("InvalidImageFormatException", "Request has invalid image format", 400);
    if (header->width > kMaxDimension || header->height > kMaxDimension) throw too_large();
    out.sha256 = sha256_hex(bytes);
    const uint32_t longest = std::max(header->width, header->height);
    while (out.reduce < 8 && longest_needed > 0 && longest / (2 * out.reduce) >= longest_needed)
        out.reduce *= 2;
    out.bytes = std::move(bytes);
    return out;
}

analysis::Result Backend::analyse(analysis::Request request, const InputImage& img) {
    request.reduce = img.reduce;
    return vision_.analyse(request, img.bytes);
}

analysis::Result Backend::faces(const InputImage& img, size_t max_faces, bool attributes,
                                size_t descriptors, bool crops) {
    analysis::Request r;
    r.task = analysis::Task::kFaces;
    r.max_faces = max_faces;
    r.attributes = attributes;
    r.descriptors = descriptors;
    r.crops = crops;
    return analyse(r, img);
}

}  // namespace fogbank::rekognition
