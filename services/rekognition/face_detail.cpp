#include "services/rekognition/face_detail.hpp"

#include <opencv2/calib3d.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

#include "services/rekognition/validation.hpp"
#include "services/rekognition/wire_float.hpp"

namespace fogbank::rekognition {

namespace {

using json = nlohmann::json;

cv::Point2f mean_of(const vision::Face& f, std::initializer_list<int> idx) {
    cv::Point2f sum(0, 0);
    for (int i : idx)
        sum += f.landmarks[static_cast<size_t>(i)];
    return sum * (1.0f / static_cast<float>(idx.size()));
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

json landmark(const vision::Face& f, const Named& n, const cv::Size& image) {
    cv::Point2f p = mean_of(f, n.points);
    return {{"Type", n.type},
            {"X", wire_float(p.x / static_cast<float>(image.width))},
            {"Y", wire_float(p.y / static_cast<float>(image.height))}};
}

json landmarks(const vision::Face& f, const cv::Size& image, bool all) {
    json out = json::array();
    for (const auto& n : kDefaultLandmarks)
        out.push_back(landmark(f, n, image));
    if (all)
        for (const auto& n : kMoreLandmarks)
            out.push_back(landmark(f, n, image));
    return out;
}

float dist(cv::Point2f a, cv::Point2f b) {
    return static_cast<float>(cv::norm(a - b));
}

// Eye aspect ratio (Soukupová and Čech): ~0.3 open, under 0.2 closed.
float eye_ratio(const vision::Face& f, int first) {
    auto p = [&](int i) { return f.landmarks[static_cast<size_t>(first + i)]; };
    return (dist(p(1), p(5)) + dist(p(2), p(4))) / (2.0f * dist(p(0), p(3)));
}

// A yes/no attribute from a measured ratio: the further from the threshold, the surer.
json boolean(float ratio, float threshold, float spread) {
    float margin = std::fabs(ratio - threshold) / spread;
    return {{"Value", ratio > threshold},
            {"Confidence", wire_float(50.0 + 49.9 * std::tanh(margin))}};
}

json quality_and_pose(const FaceMeasures& m) {
    return {{"Pose",
             {{"Roll", wire_float(m.roll)},
              {"Yaw", wire_float(m.yaw)},
              {"Pitch", wire_float(m.pitch)}}},
            {"Quality",
             {{"Brightness", wire_float(m.brightness)}, {"Sharpness", wire_float(m.sharpness)}}}};
}

}  // namespace

json relative_box(const cv::Rect2f& box) {
    return {{"Width", wire_float(box.width)},
            {"Height", wire_float(box.height)},
            {"Left", wire_float(box.x)},
            {"Top", wire_float(box.y)}};
}

json bounding_box(const cv::Rect2f& px, const cv::Size& image) {
    float w = static_cast<float>(image.width), h = static_cast<float>(image.height);
    return relative_box(cv::Rect2f(px.x / w, px.y / h, px.width / w, px.height / h));
}

float face_confidence(const vision::Face& f) {
    // dlib's margin is 0 at its threshold and ~1-3 for clear frontal faces: map that onto
    // Rekognition's scale, where a clear face reads 99.9.
    return static_cast<float>(100.0 - 10.0 * std::exp(-3.0 * std::max(0.0f, f.score)));
}

FaceMeasures measure(const cv::Mat& bgr, const vision::Face& f) {
    FaceMeasures m;
    cv::Rect roi = cv::Rect(f.box) & cv::Rect(0, 0, bgr.cols, bgr.rows);
    if (roi.area() > 0) {
        cv::Mat gray, small, lap;
        cv::cvtColor(bgr(roi), gray, cv::COLOR_BGR2GRAY);
        m.brightness = static_cast<float>(cv::mean(gray)[0] / 255.0 * 100.0);
        // Sharpness: variance of the Laplacian at a fixed face size, so that it does not
        // depend on how large the face is in the photo.
        cv::resize(gray, small, cv::Size(128, 128), 0, 0, cv::INTER_AREA);
        cv::Laplacian(small, lap, CV_32F);
        cv::Scalar mu, sigma;
        cv::meanStdDev(lap, mu, sigma);
        double var = sigma[0] * sigma[0];
        m.sharpness = static_cast<float>(100.0 * (1.0 - std::exp(-var / 400.0)));
    }
    // Roll from the line between the eyes; yaw and pitch from a PnP fit of six landmarks to
    // a generic head model, with a pinhole camera whose focal length is the image width.
    cv::Point2f le = mean_of(f, {36, 37, 38, 39, 40, 41}),
                re = mean_of(f, {42, 43, 44, 45, 46, 47});
    m.roll = static_cast<float>(std::atan2(re.y - le.y, re.x - le.x) * 180.0 / CV_PI);
    std::vector<cv::Point3d> model = {{0.0, 0.0, 0.0},          {0.0, -330.0, -65.0},
                                      {-225.0, 170.0, -135.0},  {225.0, 170.0, -135.0},
                                      {-150.0, -150.0, -125.0}, {150.0, -150.0, -125.0}};
    std::vector<cv::Point2d> image;
    for (int i : {30, 8, 36, 45, 48, 54})
        image.emplace_back(f.landmarks[static_cast<size_t>(i)].x,
                           f.landmarks[static_cast<size_t>(i)].y);
    double focal = bgr.cols;
    cv::Mat camera =
        (cv::Mat_<double>(3, 3) << focal, 0, bgr.cols / 2.0, 0, focal, bgr.rows / 2.0, 0, 0, 1);
    cv::Mat rvec, tvec, rot;
    if (cv::solvePnP(model, image, camera, cv::Mat(), rvec, tvec, false, cv::SOLVEPNP_ITERATIVE)) {
        cv::Rodrigues(rvec, rot);
        // The model's y axis points up and the image's down: flip to read angles as a viewer.
        cv::Mat flip = (cv::Mat_<double>(3, 3) << 1, 0, 0, 0, -1, 0, 0, 0, -1);
        cv::Mat r = flip * rot;
        double pitch = std::atan2(r.at<double>(2, 1), r.at<double>(2, 2));
        double yaw = std::asin(std::clamp(-r.at<double>(2, 0), -1.0, 1.0));
        auto wrap = [](double deg) {
            while (deg > 90)
                deg -= 180;
            while (deg < -90)
                deg += 180;
            return deg;
        };
        m.pitch = static_cast<float>(wrap(pitch * 180.0 / CV_PI));
        m.yaw = static_cast<float>(wrap(yaw * 180.0 / CV_PI));
    }
    return m;
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

json emotions(const vision::Emotions& e) {
    using vision::Expression;
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

json smile(const vision::Emotions& e) {
    float happy = std::clamp(e.of(vision::Expression::kHappy), 0.0f, 1.0f);
    bool smiling = happy >= 0.5f;
    return {{"Value", smiling},
            {"Confidence", wire_float(100.0 * (smiling ? happy : 1.0f - happy))}};
}

json face_detail(const cv::Mat& bgr, const vision::Face& f, const FaceMeasures& m,
                 const std::optional<FaceEstimates>& estimates) {
    json d = {{"BoundingBox", bounding_box(f.box, bgr.size())},
              {"Landmarks", landmarks(f, bgr.size(), estimates.has_value())}};
    d.update(quality_and_pose(m));
    d["Confidence"] = wire_float(face_confidence(f));
    if (estimates) {
        const vision::AgeGender& ag = estimates->age_gender;
        d["AgeRange"] = {{"Low", ag.age_low}, {"High", ag.age_high}};
        bool male = ag.male >= 0.5f;
        d["Gender"] = {{"Value", male ? "Male" : "Female"},
                       {"Confidence", wire_float(100.0 * (male ? ag.male : 1.0f - ag.male))}};
        float ear = (eye_ratio(f, 36) + eye_ratio(f, 42)) / 2.0f;
        d["EyesOpen"] = boolean(ear, 0.2f, 0.05f);
        // Inner lip gap over mouth width.
        float mar = dist(f.landmarks[62], f.landmarks[66]) / dist(f.landmarks[60], f.landmarks[64]);
        d["MouthOpen"] = boolean(mar, 0.15f, 0.05f);
        d["Smile"] = smile(estimates->emotions);
        d["Emotions"] = emotions(estimates->emotions);
    }
    return d;
}

json compared_face(const cv::Mat& bgr, const vision::Face& f) {
    json d = {{"BoundingBox", bounding_box(f.box, bgr.size())},
              {"Confidence", wire_float(face_confidence(f))},
              {"Landmarks", landmarks(f, bgr.size(), false)}};
    d.update(quality_and_pose(measure(bgr, f)));
    return d;
}

}  // namespace fogbank::rekognition
