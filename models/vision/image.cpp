#include "models/vision/image.hpp"

#include <opencv2/imgcodecs.hpp>

namespace fogbank::vision {

namespace {

bool is_jpeg(std::string_view b) {
    return b.size() > 3 && b.substr(0, 3) == "\xFF\xD8\xFF";
}
bool is_png(std::string_view b) {
    return b.size() > 8 && b.substr(0, 8) == "\x89PNG\r\n\x1A\n";
}

}  // namespace

cv::Mat decode_image(std::string_view bytes, int reduce) {
    // Rekognition reads JPEG and PNG only; OpenCV would also take BMP, TIFF, WebP, ...
    if (!is_jpeg(bytes) && !is_png(bytes)) return {};
    cv::Mat raw(1, static_cast<int>(bytes.size()), CV_8UC1,
                const_cast<char*>(bytes.data()));  // imdecode only reads it
    try {
        int mode = !is_jpeg(bytes) || reduce == 1 ? cv::IMREAD_COLOR
                   : reduce == 2                  ? cv::IMREAD_REDUCED_COLOR_2
                   : reduce == 4                  ? cv::IMREAD_REDUCED_COLOR_4
                                                  : cv::IMREAD_REDUCED_COLOR_8;
        return cv::imdecode(raw, mode | cv::IMREAD_IGNORE_ORIENTATION);
    } catch (const cv::Exception&) {
        return {};
    }
}

}  // namespace fogbank::vision
