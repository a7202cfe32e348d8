// Age and gender of a face: human's face-description network (gender as a sigmoid, age as a
// softmax over 0-99 years) on a square crop 1.3 times the detector's face box, the crop whose
// genders came out cleanest on the fixtures.
#pragma once

#include <opencv2/core.hpp>

#include "models/vision/analysis.hpp"
#include "models/vision/face_detector.hpp"
#include "models/vision/onnx_model.hpp"

namespace fogbank::vision {

using analysis::AgeGender;

class FaceAttributes {
  public:
    explicit FaceAttributes(const ModelSpec& spec);
    AgeGender estimate(const cv::Mat& bgr, const Face& face);

  private:
    OnnxModel model_;
};

}  // namespace fogbank::vision
