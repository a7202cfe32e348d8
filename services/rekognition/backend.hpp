// Rekognition's operations over the vision workers (vision_client.hpp), fogbank's own S3 (for
// Image.S3Object) and the collections store. Handlers take the request's JSON and return the
// response's; errors are AwsError with Rekognition's codes.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <string>

#include "emulator/config.hpp"
#include "emulator/database.hpp"
#include "models/vision/analysis.hpp"
#include "services/rekognition/collections.hpp"
#include "services/rekognition/face_detail.hpp"
#include "services/rekognition/overrides.hpp"
#include "services/rekognition/vision_client.hpp"
#include "services/s3/store.hpp"

namespace fogbank::rekognition {

using json = nlohmann::json;

struct Caller {
    std::string account;
    std::string region;
    // Set to the rule's name when an override answered instead of a model.
    std::string* override_rule = nullptr;
};

// An image from a request, checked as far as its header: its bytes, their SHA-256, and the
// reduction a JPEG may be decoded at for a caller that looks at fewer pixels.
struct InputImage {
    std::string bytes;
    std::string sha256;
    std::string s3_key;  // the object key, for S3Object input
    int reduce = 1;
};

class Backend {
  public:
    Backend(const Config& cfg, Database& db, s3::Store& s3, VisionClient& vision);

    bool knows(const std::string& op) const { return handlers_.count(op) > 0; }
    json call(const std::string& op, const Caller& caller, const json& in);
    void reset() { collections_.reset(); }
    VisionClient& vision() { return vision_; }
    // fogbank's own: the JPEG of an indexed face (GET /_fogbank/rekognition/face-crop).
    std::string face_crop(const Caller& caller, const json& in);

    // Reads `in[member]` (an Image: Bytes or S3Object) as Rekognition does, with its limits.
    // With `longest_needed` > 0 the caller looks at most at that many pixels along the
    // image's longer side, and a JPEG at least twice as large is decoded smaller, never below it.
    InputImage image(const json& in, const char* member, uint32_t longest_needed = 0);
    // The image analysed in a vision worker.
    analysis::Result analyse(analysis::Request request, const InputImage& img);
    // The pinned response for this image, if an override rule matches it (and says so).
    const json* overridden(const std::string& op, const Caller& caller, const InputImage& img);

  private:
    using Handler = json (Backend::*)(const Caller&, const json&);

    json detect_labels(const Caller&, const json&);
    json detect_moderation_labels(const Caller&, const json&);
    json detect_faces(const Caller&, const json&);
    json detect_text(const Caller&, const json&);
    json compare_faces(const Caller&, const json&);
    json create_collection(const Caller&, const json&);
    json describe_collection(const Caller&, const json&);
    json list_collections(const Caller&, const json&);
    json delete_collection(const Caller&, const json&);
    json index_faces(const Caller&, const json&);
    json list_faces(const Caller&, const json&);
    json delete_faces(const Caller&, const json&);
    json search_faces(const Caller&, const json&);
    json search_faces_by_image(const Caller&, const json&);

    CollectionKey collection_key(const Caller& c, const json& in);
    CollectionRecord existing_collection(const CollectionKey& k);
    // The faces in an image, largest first: at most `max_faces` (0: all), with the attribute
    // estimates when `attributes`, descriptors (and with `crops`, a JPEG) for the first
    // `descriptors`.
    analysis::Result faces(const InputImage& img, size_t max_faces, bool attributes,
                           size_t descriptors, bool crops = false);
    // Rekognition's 0-100 similarity for a descriptor distance (the manifest's calibration).
    float similarity(float distance) const;
    // FaceMatchThreshold and MaxFaces, read before any image is analysed.
    struct SearchOptions {
        float threshold = 80;
        size_t max_faces = 4096;  // without MaxFaces, every face above the threshold
    };
    static SearchOptions search_options(const json& in);
    json search(const CollectionKey& k, const analysis::Descriptor& probe, const SearchOptions& opt,
                const std::string& exclude_face_id);

    const Config& cfg_;
    s3::Store& s3_;
    VisionClient& vision_;
    Collections collections_;
    Overrides overrides_;
    std::map<std::string, Handler> handlers_;
};

}  // namespace fogbank::rekognition
