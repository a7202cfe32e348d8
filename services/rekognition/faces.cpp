// DetectFaces and CompareFaces.
#include <algorithm>

#include "services/rekognition/backend.hpp"
#include "services/rekognition/face_detail.hpp"
#include "services/rekognition/validation.hpp"
#include "services/rekognition/wire_float.hpp"

namespace fogbank::rekognition {

namespace {

constexpr size_t kMaxDetectedFaces = 100;  // DetectFaces reports the 100 largest
constexpr size_t kMaxComparedFaces = 100;  // CompareFaces compares the 100 largest targets

}  // namespace

json Backend::detect_faces(const Caller& caller, const json& in) {
    bool all = wants_all(in, "Attributes");
    InputImage img = image(in, "Image");
    if (const json* pinned = overridden("DetectFaces", caller, img)) return *pinned;
    analysis::Result found = faces(img, kMaxDetectedFaces, all, 0);
    json details = json::array();
    for (const auto& f : found.faces)
        details.push_back(face_detail(f, size_of(found)));
    return {{"FaceDetails", details}};
}

float Backend::similarity(float distance) const {
    return vision_.manifest().model("face_embedding").calibrate(distance);
}

json Backend::compare_faces(const Caller&, const json& in) {
    float threshold =
        static_cast<float>(number_member(in, "SimilarityThreshold", 0, 100).value_or(80));
    enum_member(in, "QualityFilter", {"NONE", "AUTO", "LOW", "MEDIUM", "HIGH"});
    InputImage source_image = image(in, "SourceImage");
    InputImage target_image = image(in, "TargetImage");
    // The largest face of the source is the one compared, as Rekognition does.
    analysis::Result source = faces(source_image, 1, false, 1);
    if (source.faces.empty()) throw invalid_parameter("There are no faces in the source image.");
    analysis::Result target = faces(target_image, kMaxComparedFaces, false, kMaxComparedFaces);
    if (target.faces.empty()) throw invalid_parameter("There are no faces in the target image.");

    const analysis::Face& probe_face = source.faces.front();
    struct Scored {
        json face;
        float similarity;
    };
    std::vector<Scored> matches;
    json unmatched = json::array();
    for (const auto& f : target.faces) {
        float sim = similarity(analysis::distance(descriptor_of(probe_face), descriptor_of(f)));
        json face = compared_face(f, size_of(target));
        if (sim >= threshold)
            matches.push_back({std::move(face), sim});
        else
            unmatched.push_back(std::move(face));
    }
    std::stable_sort(matches.begin(), matches.end(),
                     [](const Scored& a, const Scored& b) { return a.similarity > b.similarity; });
    json face_matches = json::array();
    for (auto& m : matches)
        face_matches.push_back(
            {{"Similarity", wire_float(m.similarity)}, {"Face", std::move(m.face)}});
    return {{"SourceImageFace",
             {{"BoundingBox", bounding_box(probe_face.box, size_of(source))},
              {"Confidence", wire_float(face_confidence(probe_face))}}},
            {"FaceMatches", face_matches},
            {"UnmatchedFaces", unmatched}};
}

}  // namespace fogbank::rekognition
