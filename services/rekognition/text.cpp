// DetectText: LINE detections, each followed by the WORDs in it (ParentId: the line's Id),
// filtered by WordFilter and RegionsOfInterest as Rekognition filters them.
#include <algorithm>

#include "services/rekognition/backend.hpp"
#include "services/rekognition/face_detail.hpp"
#include "services/rekognition/validation.hpp"
#include "services/rekognition/wire_float.hpp"

namespace fogbank::rekognition {

namespace {

constexpr size_t kMaxWords = 100;  // Rekognition reports at most 100 words per image

json geometry(const std::array<analysis::Point, 4>& quad, const ImageSize& image) {
    float w = static_cast<float>(image.width), h = static_cast<float>(image.height);
    float x0 = quad[0].x, y0 = quad[0].y, x1 = x0, y1 = y0;
    json polygon = json::array();
    for (const auto& p : quad) {
        x0 = std::min(x0, p.x), y0 = std::min(y0, p.y);
        x1 = std::max(x1, p.x), y1 = std::max(y1, p.y);
        polygon.push_back({{"X", wire_float(p.x / w)}, {"Y", wire_float(p.y / h)}});
    }
    return {{"BoundingBox",
             {{"Width", wire_float((x1 - x0) / w)},
              {"Height", wire_float((y1 - y0) / h)},
              {"Left", wire_float(x0 / w)},
              {"Top", wire_float(y0 / h)}}},
            {"Polygon", polygon}};
}

struct Box {
    double left, top, width, height;
};

Box box_of(const json& geometry) {
    const json& b = geometry["BoundingBox"];
    return {b["Left"].get<double>(), b["Top"].get<double>(), b["Width"].get<double>(),
            b["Height"].get<double>()};
}

struct WordFilter {
    double min_confidence = 0, min_height = 0, min_width = 0;
    std::vector<Box> regions;  // a word must lie mostly inside one, when any are given

    bool admits(const json& word) const {
        Box b = box_of(word["Geometry"]);
        if (word["Confidence"].get<double>() < min_confidence) return false;
        if (b.height < min_height || b.width < min_width) return false;
        if (regions.empty()) return true;
        for (const Box& r : regions) {
            double ix = std::max(
                0.0, std::min(b.left + b.width, r.left + r.width) - std::max(b.left, r.left));
            double iy = std::max(
                0.0, std::min(b.top + b.height, r.top + r.height) - std::max(b.top, r.top));
            // Rekognition keeps a word at least half of whose area is in a region.
            if (ix * iy >= 0.5 * b.width * b.height) return true;
        }
        return false;
    }
};

WordFilter read_filters(const json& in) {
    WordFilter f;
    auto filters = in.find("Filters");
    if (filters == in.end() || filters->is_null()) return f;
    if (!filters->is_object()) throw invalid_parameter();
    if (auto wf = filters->find("WordFilter"); wf != filters->end() && wf->is_object()) {
        f.min_confidence = number_member(*wf, "MinConfidence", 0, 100).value_or(0);
        f.min_height = number_member(*wf, "MinBoundingBoxHeight", 0, 1).value_or(0);
        f.min_width = number_member(*wf, "MinBoundingBoxWidth", 0, 1).value_or(0);
    }
    if (auto rois = filters->find("RegionsOfInterest");
        rois != filters->end() && !rois->is_null()) {
        if (!rois->is_array() || rois->size() > 10) throw invalid_parameter();
        for (const auto& roi : *rois) {
            if (auto bb = roi.find("BoundingBox"); bb != roi.end() && bb->is_object()) {
                f.regions.push_back({bb->value("Left", 0.0), bb->value("Top", 0.0),
                                     bb->value("Width", 0.0), bb->value("Height", 0.0)});
            } else if (auto poly = roi.find("Polygon");
                       poly != roi.end() && poly->is_array() && !poly->empty()) {
                double x0 = 1, y0 = 1, x1 = 0, y1 = 0;
                for (const auto& p : *poly) {
                    x0 = std::min(x0, p.value("X", 0.0)), y0 = std::min(y0, p.value("Y", 0.0));
                    x1 = std::max(x1, p.value("X", 0.0)), y1 = std::max(y1, p.value("Y", 0.0));
                }
                f.regions.push_back({x0, y0, x1 - x0, y1 - y0});
            } else {
                throw invalid_parameter();
            }
        }
    }
    return f;
}

}  // namespace

json Backend::detect_text(const Caller& caller, const json& in) {
    WordFilter filter = read_filters(in);
    InputImage img = image(in, "Image");
    if (const json* pinned = overridden("DetectText", caller, img)) return *pinned;
    analysis::Request request;
    request.task = analysis::Task::kText;
    analysis::Result found = analyse(request, img);
    const auto& lines = found.lines;

    size_t words_total = 0;
    std::vector<std::pair<json, std::vector<json>>> kept;
    for (const auto& line : lines) {
        std::vector<json> words;
        std::string text;
        double conf_sum = 0;
        for (const auto& w : line.words) {
            if (words_total >= kMaxWords) break;
            json word = {{"DetectedText", w.text},
                         {"Type", "WORD"},
                         {"Confidence", wire_float(w.confidence)},
                         {"Geometry", geometry(w.quad, size_of(found))}};
            if (!filter.admits(word)) continue;
            text += (text.empty() ? "" : " ") + w.text;
            conf_sum += w.confidence;
            words.push_back(std::move(word));
            ++words_total;
        }
        if (words.empty()) continue;
        json l = {{"DetectedText", text},
                  {"Type", "LINE"},
                  {"Confidence", wire_float(conf_sum / static_cast<double>(words.size()))},
                  {"Geometry", geometry(line.quad, size_of(found))}};
        kept.emplace_back(std::move(l), std::move(words));
    }
    // Lines take the first Ids, words the ones after, as Rekognition numbers them.
    json detections = json::array(), all_words = json::array();
    int word_id = static_cast<int>(kept.size());
    for (int line_id = 0; line_id < static_cast<int>(kept.size()); ++line_id) {
        auto& [line, words] = kept[static_cast<size_t>(line_id)];
        line["Id"] = line_id;
        detections.push_back(std::move(line));
        for (auto& w : words) {
            w["Id"] = word_id++;
            w["ParentId"] = line_id;
            all_words.push_back(std::move(w));
        }
    }
    detections.insert(detections.end(), all_words.begin(), all_words.end());
    return {{"TextDetections", detections}, {"TextModelVersion", "3.0"}};
}

}  // namespace fogbank::rekognition
