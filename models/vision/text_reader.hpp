// What the text says: each detected region is cut out with a perspective warp (so slanted
// text reads level), scaled to a line height Tesseract reads well, and read by Tesseract 5's
// LSTM as one line; its words keep their boxes, mapped back onto the photo.
#pragma once

#include <opencv2/core.hpp>

#include <array>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "models/vision/manifest.hpp"
#include "models/vision/text_detector.hpp"

namespace fogbank::vision {

struct Word {
    std::string text;
    float confidence = 0;  // Tesseract's, 0..100
    std::array<cv::Point2f, 4> quad;
};

struct TextLine {
    std::string text;
    float confidence = 0;
    std::array<cv::Point2f, 4> quad;
    std::vector<Word> words;
};

class TextReader {
  public:
    // `spec.file` is a Tesseract traineddata file; its stem names the language.
    explicit TextReader(const ModelSpec& spec);
    ~TextReader();
    std::vector<TextLine> read(const cv::Mat& bgr, const std::vector<TextRegion>& regions);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace fogbank::vision
