#include "services/rekognition/face_detail.hpp"

#include <algorithm>
#include <cmath>

#include "services/rekognition/validation.hpp"
#include "services/rekognition/wire_float.hpp"

namespace fogbank::rekognition {

namespace {

using json = nlohmann::json;

using analysis::Point;

Point mean_of(const analysis::Face& f, std::initializer_list<int> idx) {
    Point sum;
    for (int i : idx) {
        sum.x += f.landmarks[static_cast<size_t>(i)].x;
        sum.y += f.landmarks[static_cast<size_t>(i)].y;
    }
    float n = static_cast<float>(idx.size());
    return {sum.x / n, sum.y / n};
}

struct Named {
    const char* type;
    std::initializer_list<int> points;
};

// Rekognition's landmark names on dlib's 68 points. "Left" is the left of the image.
const Named kDefaultLandmarks[] = {
    {"eyeLeft", {36, 37, 38, 39, 40, 41}},
    {"eyeRight", {42, 43, 44, 45, 46, 47}},
    {"mouthLeft", {48}},
    {"mouthRight", {54}},
    {"nose", {30}},
};
const Named kMoreLandmarks[] = {
    {"leftEyeBrowLeft", {17}},
    {"leftEyeBrowRight", {21}},
    {"leftEyeBrowUp", {19}},
    {"rightEyeBrowLeft", {22}},
    {"rightEyeBrowRight", {26}},
    {"rightEyeBrowUp", {24}},
    {"leftEyeLeft", {36}},
    {"leftEyeRight", {39}},
    {"leftEyeUp", {37, 38}},
    {"leftEyeDown", {40, 41}},
    {"rightEyeLeft", {42}},
    {"rightEyeRight", {45}},
    {"rightEyeUp", {43, 44}},
    {"rightEyeDown", {46, 47}},
    {"noseLeft", {31}},
    {"noseRight", {35}},
    {"mouthUp", {51}},
    {"mouthDown", {57}},
    {"leftPupil", {37, 38, 40, 41}},
    {"rightPupil", {43, 44, 46, 47}},
    {"upperJawlineLeft", {1}},
    {"midJawlineLeft", {4}},
    {"chinBottom", {8}},
    {"midJawlineRight", {12}},
    {"upperJawlineRight", {15}},
};

json landmark(const analysis::Face& f, const Named& n, const ImageSize& image) {
    Point p = mean_of(f, n.points);
    return {{"Type", n.type},
            {"X", wire_float(p.x / static_cast<float>(image.width))},
            {"Y", wire_float(p.y / static_cast<float>(image.height))}};
}

json landmarks(const analysis::Face& f, const ImageSize& image, bool all) {
    json out = json::array();
    for (const auto& n : kDefaultLandmarks)
        out.push_back(landmark(f, n, image));
    if (all)
        for (const auto& n : kMoreLandmarks)
            out.push_back(landmark(f, n, image));
    return out;
}

float dist(Point a, Point b) {
    return std::hypot(a.x - b.x, a.y - b.y);
}

// Eye aspect ratio (Soukupová and Čech): ~0.3 open, under 0.2 closed.
float eye_ratio(const analysis::Face& f, int first) {
    auto p = [&](int i) { return f.landmarks[static_cast<size_t>(first + i)]; };
    return (dist(p(1), p(5)) + dist(p(2), p(4))) / (2.0f * dist(p(0), p(3)));
}

// A yes/no attribute from a measured ratio: the further from the threshold, the surer.
json boolean(float ratio, float threshold, float spread) {
    float margin = std::fabs(ratio - threshold) / spread;
    return {{"Value", ratio > threshold},
            {"Confidence", wire_float(50.0 + 49.9 * std::tanh(margin))}};
}

json quality_and_pose(const analysis::Face& f) {
    return {{"Pose",
             {{"Roll", wire_float(f.roll)},
              {"Yaw", wire_float(f.yaw)},
              {"Pitch", wire_float(f.pitch)}}},
            {"Quality",
             {{"Brightness", wire_float(f.brightness)}, {"Sharpness", wire_float(f.sharpness)}}}};
}

}  // namespace

json relative_box(const analysis::Rect& box) {
    return {{"Width", wire_float(box.width)},
            {"Height", wire_float(box.height)},
            {"Left", wire_float(box.x)},
            {"Top", wire_float(box.y)}};
}

json bounding_box(const analysis::Rect& px, const ImageSize& image) {
    float w = static_cast<float>(image.width), h = static_cast<float>(image.height);
    return relative_box({px.x / w, px.y / h, px.width / w, px.height / h});
}

float face_confidence(const analysis::Face& f) {
    // dlib's margin is 0 at its threshold and ~1-3 for clear frontal faces: map that onto
    // Rekognition's scale, where a clear face reads 99.9.
    return static_cast<float>(100.0 - 10.0 * std::exp(-3.0 * std::max(0.0f, f.score)));
}

bool wants_all(const json& in, const char* member) {
    static const std::vector<std::string> kAttributes = {
        "ALL",           "DEFAULT",       "AGE_RANGE", "BEARD",     "EMOTIONS",
        "EYE_DIRECTION", "EYEGLASSES",    "EYES_OPEN", "GENDER",    "MOUTH_OPEN",
        "MUSTACHE",      "FACE_OCCLUDED", "SMILE",     "SUNGLASSES"};
    auto it = in.find(member);
    if (it == in.end() || it->is_null()) return false;
    if (!it->is_array()) throw invalid_parameter();
    bool all = false;
    for (const auto& a : *it) {
        // Any attribute but DEFAULT asks for the full detail.
        if (*enum_member(json{{member, a}}, member, kAttributes) != "DEFAULT") all = true;
    }
    return all;
}

json emotions(const analysis::Emotions& e) {
    using analysis::Expression;
    static const std::pair<Expression, const char*> kTypes[] = {
        {Expression::kHappy, "HAPPY"},        {Expression::kSad, "SAD"},
        {Expression::kAngry, "ANGRY"},        {Expression::kDisgust, "DISGUSTED"},
        {Expression::kSurprise, "SURPRISED"}, {Expression::kNeutral, "CALM"},
        {Expression::kFear, "FEAR"}};
    std::vector<std::pair<float, const char*>> ranked;
    for (const auto& [expression, type] : kTypes)
        ranked.emplace_back(e.of(expression), type);
    // Most likely first; ties in Rekognition's type order (stable), so answers never vary.
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    json out = json::array();
    for (const auto& [p, type] : ranked)
        out.push_back(
            {{"Type", type}, {"Confidence", wire_float(100.0 * std::clamp(p, 0.0f, 1.0f))}});
    return out;
}

json smile(const analysis::Emotions& e) {
    float happy = std::clamp(e.of(analysis::Expression::kHappy), 0.0f, 1.0f);
    bool smiling = happy >= 0.5f;
    return {{"Value", smiling},
            {"Confidence", wire_float(100.0 * (smiling ? happy : 1.0f - happy))}};
}

json face_detail(const analysis::Face& f, const ImageSize& image) {
    const bool all = f.age_gender && f.emotions;
    json d = {{"BoundingBox", bounding_box(f.box, image)}, {"Landmarks", landmarks(f, image, all)}};
    d.update(quality_and_pose(f));
    d["Confidence"] = wire_float(face_confidence(f));
    if (all) {
        const analysis::AgeGender& ag = *f.age_gender;
        d["AgeRange"] = {{"Low", ag.age_low}, {"High", ag.age_high}};
        bool male = ag.male >= 0.5f;
        d["Gender"] = {{"Value", male ? "Male" : "Female"},
                       {"Confidence", wire_float(100.0 * (male ? ag.male : 1.0f - ag.male))}};
        float ear = (eye_ratio(f, 36) + eye_ratio(f, 42)) / 2.0f;
        d["EyesOpen"] = boolean(ear, 0.2f, 0.05f);
        // Inner lip gap over mouth width.
        float mar = dist(f.landmarks[62], f.landmarks[66]) / dist(f.landmarks[60], f.landmarks[64]);
        d["MouthOpen"] = boolean(mar, 0.15f, 0.05f);
        d["Smile"] = smile(*f.emotions);
        d["Emotions"] = emotions(*f.emotions);
    }
    return d;
}

json compared_face(const analysis::Face& f, const ImageSize& image) {
    json d = {{"BoundingBox", bounding_box(f.box, image)},
              {"Confidence", wire_float(face_confidence(f))},
              {"Landmarks", landmarks(f, image, false)}};
    d.update(quality_and_pose(f));
    return d;
}

}  // namespace fogbank::rekognition
