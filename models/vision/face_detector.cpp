#include "models/vision/face_detector.hpp"

#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/opencv/cv_image.h>

#include <opencv2/imgproc.hpp>

#include <algorithm>

namespace fogbank::vision {

namespace {

constexpr int kMinSide = 640;
constexpr int kMaxSide = 1024;

}  // namespace

struct FaceDetector::Impl {
    std::mutex mu;  // dlib's detector keeps scratch state between calls
    dlib::frontal_face_detector detector = dlib::get_frontal_face_detector();
    dlib::shape_predictor predictor;
};

FaceDetector::FaceDetector(const ModelSpec& landmarks) : impl_(std::make_unique<Impl>()) {
    check_model_file(landmarks);
    dlib::deserialize(landmarks.file.string()) >> impl_->predictor;
}

FaceDetector::~FaceDetector() = default;

std::vector<Face> FaceDetector::detect(const cv::Mat& bgr) {
    int longer = std::max(bgr.cols, bgr.rows);
    double scale = static_cast<double>(std::clamp(longer, kMinSide, kMaxSide)) / longer;
    cv::Mat gray;
    cv::cvtColor(bgr, gray, cv::COLOR_BGR2GRAY);
    if (scale != 1.0)
        cv::resize(gray, gray, cv::Size(), scale, scale,
                   scale < 1.0 ? cv::INTER_AREA : cv::INTER_LINEAR);
    dlib::cv_image<unsigned char> img(gray);

    std::vector<Face> faces;
    std::lock_guard lock(impl_->mu);
    std::vector<dlib::rect_detection> found;
    impl_->detector(img, found, 0.0);
    for (const auto& det : found) {
        dlib::full_object_detection shape = impl_->predictor(img, det.rect);
        Face f;
        const auto& r = det.rect;
        float inv = static_cast<float>(1.0 / scale);
        float left = std::max(0.0f, r.left() * inv), top = std::max(0.0f, r.top() * inv);
        float right = std::min(static_cast<float>(bgr.cols), (r.right() + 1) * inv);
        float bottom = std::min(static_cast<float>(bgr.rows), (r.bottom() + 1) * inv);
        f.box = cv::Rect2f(left, top, right - left, bottom - top);
        f.score = static_cast<float>(det.detection_confidence);
        for (unsigned i = 0; i < 68 && i < shape.num_parts(); ++i)
            f.landmarks[i] = cv::Point2f(shape.part(i).x() * inv, shape.part(i).y() * inv);
        faces.push_back(f);
    }
    std::sort(faces.begin(), faces.end(), [](const Face& a, const Face& b) {
        if (a.box.area() != b.box.area()) return a.box.area() > b.box.area();
        return std::tie(a.box.x, a.box.y) < std::tie(b.box.x, b.box.y);
    });
    return faces;
}

}  // namespace fogbank::vision
