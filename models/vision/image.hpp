// Image bytes as Rekognition takes them: JPEG or PNG, decoded without applying EXIF
// orientation (Rekognition reports geometry for the image as stored).
#pragma once

#include <opencv2/core.hpp>

#include <string_view>

namespace fogbank::vision {

// Empty when the bytes are not a JPEG or PNG that decodes. A JPEG is decoded at 1/`reduce`
// of its size (1, 2, 4 or 8: libjpeg scales while it decodes, at a fraction of the full cost)
// for a caller that looks at no more pixels than that.
cv::Mat decode_image(std::string_view bytes, int reduce = 1);

}  // namespace fogbank::vision
