// Reading a line with Tesseract: the detected region is cut out with a perspective warp (so
// slanted text reads level), scaled to a line height Tesseract reads well, and read by
// Tesseract 5's LSTM as one line; its words keep their boxes, mapped back onto the photo.
// fogbank reads most lines with PaddleOCR's recogniser (line_recognizer.hpp); Tesseract reads
// the lines too long for that network's fixed input.
#pragma once

#include <opencv2/core.hpp>

#include <array>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "models/vision/manifest.hpp"
#include "models/vision/text_detector.hpp"

namespace fogbank::vision {

struct Word {
    std::string text;
    float confidence = 0;  // 0..100
    std::array<cv::Point2f, 4> quad;
};

struct TextLine {
    std::string text;
    float confidence = 0;
    std::array<cv::Point2f, 4> quad;
    std::vector<Word> words;
};

// A quadrilateral of `bgr` cut out level into a rectangle of `size` (edges replicated);
// `warp` is set to the photo-to-cut-out perspective transform.
cv::Mat cut_level(const cv::Mat& bgr, const std::array<cv::Point2f, 4>& quad, cv::Size size,
                  int interpolation, cv::Mat& warp);

// Lines read from regions the detector split on one baseline, joined as Rekognition reports
// them: one LINE per row of words.
std::vector<TextLine> join_rows(std::vector<TextLine> lines);

class TextReader {
  public:
    // `spec.file` is a Tesseract traineddata file; its stem names the language.
    explicit TextReader(const ModelSpec& spec);
    ~TextReader();
    // Nothing when no word was read with confidence.
    std::optional<TextLine> read_line(const cv::Mat& bgr, const TextRegion& region);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace fogbank::vision
