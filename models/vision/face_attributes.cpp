#include "models/vision/face_attributes.hpp"

#include <opencv2/imgproc.hpp>

namespace fogbank::vision {

namespace {

constexpr float kCropScale = 1.3f;

}  // namespace

FaceAttributes::FaceAttributes(const ModelSpec& spec) : model_(spec, "faceres") {}

AgeGender FaceAttributes::estimate(const cv::Mat& bgr, const Face& face) {
    const ModelSpec& spec = model_.spec();
    const float size = static_cast<float>(spec.width);
    float cx = face.box.x + face.box.width / 2, cy = face.box.y + face.box.height / 2;
    float side = std::max(face.box.width, face.box.height) * kCropScale;
    float k = size / side;
    cv::Mat m = (cv::Mat_<double>(2, 3) << k, 0, size / 2 - cx * k, 0, k, size / 2 - cy * k);
    cv::Mat crop;
    cv::warpAffine(bgr, crop, m, cv::Size(spec.width, spec.height), cv::INTER_LINEAR,
                   cv::BORDER_REPLICATE);
    cv::Mat blob = cv::dnn::blobFromImage(crop, 1.0, cv::Size(), cv::Scalar(), true, false);
    std::vector<cv::Mat> outs = model_.run(blob, {"gender_pred", "age_pred"});
    AgeGender out;
    out.male = outs[0].ptr<float>()[0];
    const float* ages = outs[1].ptr<float>();
    const int n = static_cast<int>(outs[1].total());
    float cdf = 0;
    out.age_low = -1;
    out.age_high = n - 1;
    for (int i = 0; i < n; ++i) {
        cdf += ages[i];
        if (out.age_low < 0 && cdf >= 0.1f) out.age_low = i;
        if (cdf >= 0.9f) {
            out.age_high = i;
            break;
        }
    }
    if (out.age_low < 0) out.age_low = 0;
    return out;
}

}  // namespace fogbank::vision
