// DetectLabels: the object detector's boxes become Rekognition labels with Instances, each
// label's ancestors become labels of their own (as confident as their most confident child),
// and the result is filtered and ordered as Rekognition does.
#include <algorithm>
#include <map>

#include "services/rekognition/backend.hpp"
#include "services/rekognition/face_detail.hpp"
#include "services/rekognition/label_taxonomy.hpp"
#include "services/rekognition/validation.hpp"
#include "services/rekognition/wire_float.hpp"

namespace fogbank::rekognition {

namespace {

json names(const std::vector<std::string>& list) {
    json out = json::array();
    for (const auto& n : list)
        out.push_back({{"Name", n}});
    return out;
}

struct Filters {
    std::vector<std::string> include, exclude, include_categories, exclude_categories;
    bool admits(const LabelInfo& l) const {
        auto has = [](const std::vector<std::string>& v, const std::string& s) {
            return std::find(v.begin(), v.end(), s) != v.end();
        };
        if (!include.empty() && !has(include, l.name)) return false;
        if (has(exclude, l.name)) return false;
        if (!include_categories.empty() && !has(include_categories, l.category)) return false;
        if (has(exclude_categories, l.category)) return false;
        return true;
    }
};

std::vector<std::string> string_list(const json& obj, const char* name) {
    std::vector<std::string> out;
    if (auto it = obj.find(name); it != obj.end() && !it->is_null())
        for (const auto& v : *it)
            out.push_back(v.get<std::string>());
    return out;
}

}  // namespace

json Backend::detect_labels(const Caller& caller, const json& in) {
    auto max_labels = integer_member(in, "MaxLabels", 0, INT32_MAX);
    float min_conf = static_cast<float>(number_member(in, "MinConfidence", 0, 100).value_or(55));
    Filters filters;
    if (auto s = in.find("Settings"); s != in.end() && s->is_object())
        if (auto g = s->find("GeneralLabels"); g != s->end() && g->is_object()) {
            filters.include = string_list(*g, "LabelInclusionFilters");
            filters.exclude = string_list(*g, "LabelExclusionFilters");
            filters.include_categories = string_list(*g, "LabelCategoryInclusionFilters");
            filters.exclude_categories = string_list(*g, "LabelCategoryExclusionFilters");
        }
    const auto& spec = vision_.manifest().model("objects");
    InputImage img = image(in, "Image", spec.largest_view());
    if (const json* pinned = overridden("DetectLabels", caller, img)) return *pinned;

    // The detector is asked for everything a low threshold admits; confidences are compared
    // on Rekognition's scale afterwards.
    analysis::Request request;
    request.task = analysis::Task::kObjects;
    request.min_score = 0.05f;
    auto detections = analyse(request, img).objects;

    struct Entry {
        const LabelInfo* info;
        float confidence = 0;
        json instances = json::array();
    };
    std::map<std::string, Entry> labels;
    for (const auto& d : detections) {
        if (d.confidence < min_conf) continue;
        const LabelInfo& info = label_for_class(spec.classes, d.class_id);
        Entry& e = labels.try_emplace(info.name, Entry{&info}).first->second;
        e.confidence = std::max(e.confidence, d.confidence);
        e.instances.push_back({{"BoundingBox", relative_box(d.box)},
                               {"Confidence", wire_float(d.confidence)},
                               {"DominantColors", json::array()}});
        for (const std::string& parent : info.parents) {
            const LabelInfo* p = ancestor_label(parent);
            if (!p) continue;
            Entry& pe = labels.try_emplace(p->name, Entry{p}).first->second;
            pe.confidence = std::max(pe.confidence, d.confidence);
        }
    }

    std::vector<const Entry*> order;
    for (const auto& [name, e] : labels)
        if (filters.admits(*e.info)) order.push_back(&e);
    std::stable_sort(order.begin(), order.end(),
                     [](const Entry* a, const Entry* b) { return a->confidence > b->confidence; });
    if (max_labels && order.size() > static_cast<size_t>(*max_labels))
        order.resize(static_cast<size_t>(*max_labels));

    json out = json::array();
    for (const Entry* e : order)
        out.push_back({{"Name", e->info->name},
                       {"Confidence", wire_float(e->confidence)},
                       {"Instances", e->instances},
                       {"Parents", names(e->info->parents)},
                       {"Aliases", names(e->info->aliases)},
                       {"Categories", names({e->info->category})}});
    return {{"Labels", out}, {"LabelModelVersion", "3.0"}};
}

}  // namespace fogbank::rekognition
