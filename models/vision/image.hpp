// Image bytes as Rekognition takes them: JPEG or PNG, decoded without applying EXIF
// orientation (Rekognition reports geometry for the image as stored).
#pragma once

#include <opencv2/core.hpp>

#include <string_view>

namespace fogbank::vision {

// Empty when the bytes are not a JPEG or PNG that decodes.
cv::Mat decode_image(std::string_view bytes);

}  // namespace fogbank::vision
