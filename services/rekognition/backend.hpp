// Rekognition's operations over the vision engine, fogbank's own S3 (for Image.S3Object) and
// the collections store. Handlers take the request's JSON and return the response's; errors
// are AwsError with Rekognition's codes.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <string>

#include "emulator/config.hpp"
#include "emulator/database.hpp"
#include "models/vision/engine.hpp"
#include "services/rekognition/collections.hpp"
#include "services/rekognition/face_detail.hpp"
#include "services/rekognition/overrides.hpp"
#include "services/s3/store.hpp"

namespace fogbank::rekognition {

using json = nlohmann::json;

struct Caller {
    std::string account;
    std::string region;
    // Set to the rule's name when an override answered instead of a model.
    std::string* override_rule = nullptr;
};

// An image from a request: decoded pixels and the SHA-256 of its bytes.
struct InputImage {
    cv::Mat bgr;
    std::string sha256;
    std::string s3_key;  // the object key, for S3Object input
};

class Backend {
  public:
    Backend(const Config& cfg, Database& db, s3::Store& s3, vision::Engine& engine);

    bool knows(const std::string& op) const { return handlers_.count(op) > 0; }
    json call(const std::string& op, const Caller& caller, const json& in);
    void reset() { collections_.reset(); }
    vision::Engine& engine() { return engine_; }

    // Reads `in[member]` (an Image: Bytes or S3Object) as Rekognition does, with its limits.
    // With `longest_needed` > 0 the caller looks at most at that many pixels along the
    // image's longer side, and a JPEG at least twice as large is decoded smaller, never below it.
    InputImage image(const json& in, const char* member, uint32_t longest_needed = 0);
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
    // The attribute networks' estimates when Attributes ALL asks for them.
    std::optional<FaceEstimates> attributes_if(bool all, const cv::Mat& bgr, const vision::Face& f);
    // Rekognition's 0-100 similarity for a descriptor distance (the manifest's calibration).
    float similarity(float distance) const;
    // FaceMatchThreshold and MaxFaces, read before any image is analysed.
    struct SearchOptions {
        float threshold = 80;
        size_t max_faces = 4096;  // without MaxFaces, every face above the threshold
    };
    static SearchOptions search_options(const json& in);
    json search(const CollectionKey& k, const vision::Descriptor& probe, const SearchOptions& opt,
                const std::string& exclude_face_id);

    const Config& cfg_;
    s3::Store& s3_;
    vision::Engine& engine_;
    Collections collections_;
    Overrides overrides_;
    std::map<std::string, Handler> handlers_;
};

}  // namespace fogbank::rekognition
