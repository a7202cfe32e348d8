// Faces: dlib's HOG frontal face detector and its 68-point landmark model. The image is
// scaled so that its longer side is 640-1024 pixels before detection: small photos are
// enlarged so that faces of ~40 pixels are found, large ones shrunk so detection stays fast.
#pragma once

#include <opencv2/core.hpp>

#include <array>
#include <memory>
#include <mutex>
#include <vector>

#include "models/vision/manifest.hpp"

namespace fogbank::vision {

struct Face {
    cv::Rect2f box;                         // pixels of the original image
    float score = 0;                        // the detector's SVM margin; > 0 is a face
    std::array<cv::Point2f, 68> landmarks;  // pixels, in dlib's (iBUG 300-W) order
};

class FaceDetector {
  public:
    explicit FaceDetector(const ModelSpec& landmarks);
    ~FaceDetector();
    // Largest face first; ties by position.
    std::vector<Face> detect(const cv::Mat& bgr);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace fogbank::vision
