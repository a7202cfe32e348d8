// Facial expression: oarriaga's mini-Xception trained on FER-2013 (the emotion model in
// `@vladmandic/human`), on a 64x64 grey crop of the face, as human runs it. Its seven classes,
// in the network's order: angry, disgust, fear, happy, sad, surprise, neutral.
#pragma once

#include <opencv2/core.hpp>

#include "models/vision/class_probabilities.hpp"
#include "models/vision/face_detector.hpp"
#include "models/vision/onnx_model.hpp"

namespace fogbank::vision {

using analysis::Emotions;
using analysis::Expression;

class FaceEmotions {
  public:
    explicit FaceEmotions(const ModelSpec& spec);
    Emotions estimate(const cv::Mat& bgr, const Face& face);

  private:
    OnnxModel model_;
};

}  // namespace fogbank::vision
