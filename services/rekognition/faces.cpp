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
    auto faces = engine_.detect_faces(img.bgr);
    if (faces.size() > kMaxDetectedFaces) faces.resize(kMaxDetectedFaces);
    json details = json::array();
    for (const auto& f : faces)
        details.push_back(
            face_detail(img.bgr, f, measure(img.bgr, f), attributes_if(all, img.bgr, f)));
    return {{"FaceDetails", details}};
}

std::optional<FaceEstimates> Backend::attributes_if(bool all, const cv::Mat& bgr,
                                                    const vision::Face& f) {
    if (!all) return std::nullopt;
    return FaceEstimates{engine_.face_attributes(bgr, f), engine_.face_emotions(bgr, f)};
}

float Backend::similarity(float distance) const {
    return engine_.manifest().model("face_embedding").calibrate(distance);
}

json Backend::compare_faces(const Caller&, const json& in) {
    float threshold =
        static_cast<float>(number_member(in, "SimilarityThreshold", 0, 100).value_or(80));
    enum_member(in, "QualityFilter", {"NONE", "AUTO", "LOW", "MEDIUM", "HIGH"});
    InputImage source = image(in, "SourceImage");
    InputImage target = image(in, "TargetImage");
    auto source_faces = engine_.detect_faces(source.bgr);
    if (source_faces.empty()) throw invalid_parameter("There are no faces in the source image.");
    auto target_faces = engine_.detect_faces(target.bgr);
    if (target_faces.empty()) throw invalid_parameter("There are no faces in the target image.");
    if (target_faces.size() > kMaxComparedFaces) target_faces.resize(kMaxComparedFaces);

    // The largest face of the source is the one compared, as Rekognition does.
    const vision::Face& probe_face = source_faces.front();
    vision::Descriptor probe = engine_.embed_face(source.bgr, probe_face);
    struct Scored {
        json face;
        float similarity;
    };
    std::vector<Scored> matches;
    json unmatched = json::array();
    for (const auto& f : target_faces) {
        float sim = similarity(vision::distance(probe, engine_.embed_face(target.bgr, f)));
        json face = compared_face(target.bgr, f);
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
             {{"BoundingBox", bounding_box(probe_face.box, source.bgr.size())},
              {"Confidence", wire_float(face_confidence(probe_face))}}},
            {"FaceMatches", face_matches},
            {"UnmatchedFaces", unmatched}};
}

}  // namespace fogbank::rekognition
