// How a detected face looks in its photo, for Rekognition's Quality and Pose: brightness and
// sharpness from the face's pixels, roll from the line between the eyes, yaw and pitch from a
// perspective-n-point fit of six landmarks to a generic head.
#pragma once

#include <opencv2/core.hpp>

#include "models/vision/face_detector.hpp"

namespace fogbank::vision {

struct FaceMeasures {
    float brightness = 0, sharpness = 0;  // 0-100
    float roll = 0, yaw = 0, pitch = 0;   // degrees
};
FaceMeasures measure(const cv::Mat& bgr, const Face& f);

}  // namespace fogbank::vision
