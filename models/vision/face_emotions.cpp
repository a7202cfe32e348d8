#include "models/vision/face_emotions.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>

namespace fogbank::vision {

namespace {

// FER-2013's faces are framed a little wider than dlib's box (which stops at the brows).
constexpr float kEmotionCropScale = 1.2f;

}  // namespace

FaceEmotions::FaceEmotions(const ModelSpec& spec) : model_(spec, "fer-emotions") {}

Emotions FaceEmotions::estimate(const cv::Mat& bgr, const Face& face) {
    const ModelSpec& spec = model_.spec();
    float cx = face.box.x + face.box.width / 2, cy = face.box.y + face.box.height / 2;
    const float side = std::max(face.box.width, face.box.height) * kEmotionCropScale;
    // Cut out at up to four times the input's size (replicating the edge where the square
    // leaves the photo), then shrunk with area averaging: a face sampled straight down to 64
    // pixels is aliased, and one cut at a 10,000-pixel photo's resolution is 300 MB.
    const int cut = std::clamp(static_cast<int>(side), 1, 4 * spec.width);
    const float k = static_cast<float>(cut) / std::max(side, 1.0f);
    const float half = static_cast<float>(cut) / 2;
    cv::Mat m = (cv::Mat_<double>(2, 3) << k, 0, half - cx * k, 0, k, half - cy * k);
    cv::Mat crop, small, gray;
    cv::warpAffine(bgr, crop, m, cv::Size(cut, cut), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    cv::resize(crop, small, cv::Size(spec.width, spec.height), 0, 0,
               cut > spec.width ? cv::INTER_AREA : cv::INTER_LINEAR);
    cv::cvtColor(small, gray, cv::COLOR_BGR2GRAY);
    // Grey scaled to -1..1, as the network was trained.
    cv::Mat blob = cv::dnn::blobFromImage(gray, 2.0 / 255.0, cv::Size(), cv::Scalar(127.5));
    return probabilities_from<Emotions>(model_.run(blob).front());
}

}  // namespace fogbank::vision
