// Where the text is: PaddleOCR's DB (differentiable binarisation) detector on a letterboxed
// square input, its probability map thresholded, each region's rotated rectangle scored by the
// mean probability inside it and grown by the DB "unclip" offset (the network predicts shrunk
// text kernels). OpenCV's TextDetectionModel_DB returned no boxes for this network, hence the
// post-processing here.
#pragma once

#include <opencv2/core.hpp>

#include <array>
#include <vector>

#include "models/vision/onnx_model.hpp"

namespace fogbank::vision {

struct TextRegion {
    std::array<cv::Point2f, 4> quad;  // pixels: top-left, top-right, bottom-right, bottom-left
    float score = 0;                  // mean text probability inside, 0..1
};

class TextDetector {
  public:
    explicit TextDetector(const ModelSpec& spec);
    // Regions in reading order (top to bottom, then left to right).
    std::vector<TextRegion> detect(const cv::Mat& bgr);

  private:
    OnnxModel model_;
};

}  // namespace fogbank::vision
