// Face descriptors: dlib's ResNet (as ONNX) on a 150x150 chip aligned by the landmarks the way
// dlib aligns it (get_face_chip_details with 25% padding), 128 numbers per face. Two photos
// of one person lie ~0.4 apart (Euclidean); two people, 0.55-0.9.
#pragma once

#include <opencv2/core.hpp>

#include <array>

#include "models/vision/analysis.hpp"
#include "models/vision/face_detector.hpp"
#include "models/vision/onnx_model.hpp"

namespace fogbank::vision {

using analysis::Descriptor;

class FaceEmbedder {
  public:
    explicit FaceEmbedder(const ModelSpec& spec);
    Descriptor embed(const cv::Mat& bgr, const Face& face);

  private:
    OnnxModel model_;
};

}  // namespace fogbank::vision
