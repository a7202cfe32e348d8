// Facial expression: oarriaga's mini-Xception trained on FER-2013 (the emotion model in
// `@vladmandic/human`), on a 64x64 grey crop of the face, as human runs it. Its seven classes,
// in the network's order: angry, disgust, fear, happy, sad, surprise, neutral.
#pragma once

#include <opencv2/core.hpp>

#include <array>

#include "models/vision/face_detector.hpp"
#include "models/vision/onnx_model.hpp"

namespace fogbank::vision {

enum class Expression { kAngry, kDisgust, kFear, kHappy, kSad, kSurprise, kNeutral };
constexpr size_t kExpressions = 7;

struct Emotions {
    std::array<float, kExpressions> p{};  // probabilities by Expression, summing to 1
    float of(Expression e) const { return p[static_cast<size_t>(e)]; }
};

class FaceEmotions {
  public:
    explicit FaceEmotions(const ModelSpec& spec);
    Emotions estimate(const cv::Mat& bgr, const Face& face);

  private:
    OnnxModel model_;
};

}  // namespace fogbank::vision
