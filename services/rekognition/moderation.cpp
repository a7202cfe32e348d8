// DetectModerationLabels: the content classifier's probabilities as Rekognition's labels.
#include "services/rekognition/moderation.hpp"

#include <algorithm>

#include "services/rekognition/backend.hpp"
#include "services/rekognition/validation.hpp"
#include "services/rekognition/wire_float.hpp"

namespace fogbank::rekognition {

namespace {

// The taxonomy the label names come from.
constexpr const char* kModelVersion = "7.0";

double percent(float p) {
    return 100.0 * std::clamp(p, 0.0f, 1.0f);
}

}  // namespace

json moderation_answer(const analysis::ContentScores& s, float min_confidence) {
    using analysis::Content;
    std::vector<std::pair<double, const char*>> labels = {
        {percent(s.of(Content::kPorn) + s.of(Content::kHentai)), "Explicit"},
        {percent(s.of(Content::kSexy)), "Swimwear or Underwear"}};
    std::stable_sort(labels.begin(), labels.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    json out = json::array();
    for (const auto& [confidence, name] : labels)
        if (confidence >= min_confidence)
            out.push_back({{"Confidence", wire_float(confidence)},
                           {"Name", name},
                           {"ParentName", ""},
                           {"TaxonomyLevel", 1}});
    json types = json::array();
    double illustrated = percent(s.of(Content::kDrawing) + s.of(Content::kHentai));
    if (illustrated >= min_confidence)
        types.push_back({{"Confidence", wire_float(illustrated)}, {"Name", "Illustrated"}});
    return {{"ModerationLabels", out},
            {"ModerationModelVersion", kModelVersion},
            {"ContentTypes", types}};
}

json Backend::detect_moderation_labels(const Caller& caller, const json& in) {
    float min_conf = static_cast<float>(number_member(in, "MinConfidence", 0, 100).value_or(50));
    // Custom moderation adapters are not served: no project version exists here.
    if (auto pv = in.find("ProjectVersion"); pv != in.end() && !pv->is_null())
        throw AwsError("ResourceNotFoundException",
                       "The resource specified in the request cannot be found.", 400);
    InputImage img = image(in, "Image");
    if (const json* pinned = overridden("DetectModerationLabels", caller, img)) return *pinned;
    analysis::Request request;
    request.task = analysis::Task::kContent;
    return moderation_answer(analyse(request, img).content, min_conf);
}

}  // namespace fogbank::rekognition
