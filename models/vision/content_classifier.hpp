// What kind of picture an image is, for DetectModerationLabels: nsfwjs's MobileNetV2 over the
// whole image stretched to 224x224 (as nsfwjs feeds it), RGB scaled to 0..1. Its five classes,
// in the network's order: drawing, hentai (explicit drawing), neutral, porn, sexy.
#pragma once

#include <opencv2/core.hpp>

#include "models/vision/class_probabilities.hpp"
#include "models/vision/onnx_model.hpp"

namespace fogbank::vision {

using analysis::Content;
using analysis::ContentScores;

class ContentClassifier {
  public:
    explicit ContentClassifier(const ModelSpec& spec);
    ContentScores classify(const cv::Mat& bgr);

  private:
    OnnxModel model_;
};

}  // namespace fogbank::vision
