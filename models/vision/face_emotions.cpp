#include "models/vision/face_emotions.hpp"

#include <opencv2/imgproc.hpp>

namespace fogbank::vision {

namespace {

// FER-2013's faces are framed a little wider than dlib's box (which stops at the brows).
constexpr float kEmotionCropScale = 1.2f;

}  // namespace

FaceEmotions::FaceEmotions(const ModelSpec& spec) : model_(spec, "fer-emotions") {}

Emotions FaceEmotions::estimate(const cv::Mat& bgr, const Face& face) {
    const ModelSpec& spec = model_.spec();
    float cx = face.box.x + face.box.width / 2, cy = face.box.y + face.box.height / 2;
    int side =
        std::max(1, static_cast<int>(std::max(face.box.width, face.box.height) * kEmotionCropScale));
    // Cut out at the photo's resolution (replicating the edge where the square leaves it),
    // then shrunk with area averaging: a 64-pixel face sampled point-wise is aliased.
    float half = static_cast<float>(side) / 2;
    cv::Mat m = (cv::Mat_<double>(2, 3) << 1, 0, half - cx, 0, 1, half - cy);
    cv::Mat crop, small, gray;
    cv::warpAffine(bgr, crop, m, cv::Size(side, side), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    cv::resize(crop, small, cv::Size(spec.width, spec.height), 0, 0,
               side > spec.width ? cv::INTER_AREA : cv::INTER_LINEAR);
    cv::cvtColor(small, gray, cv::COLOR_BGR2GRAY);
    // Grey scaled to -1..1, as the network was trained.
    cv::Mat blob = cv::dnn::blobFromImage(gray, 2.0 / 255.0, cv::Size(), cv::Scalar(127.5));
    cv::Mat out = model_.run(blob).front();
    Emotions e;
    const float* p = out.ptr<float>();
    for (size_t i = 0; i < kExpressions && i < out.total(); ++i)
        e.p[i] = p[i];
    return e;
}

}  // namespace fogbank::vision
