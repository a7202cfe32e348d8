// Reading a line of text with PaddleOCR's PP-OCRv4 recogniser (SVTR, CTC head): the region is
// cut out level with a perspective warp, scaled to the network's 48-pixel height and padded to
// its fixed width, and the per-column character probabilities are decoded greedily. The
// conversion (models/convert/paddle_rec.py) leaves the classifier with printable ASCII only,
// class k > 0 being the character chr(31 + k), so no dictionary is read here.
#pragma once

#include <optional>

#include "models/vision/onnx_model.hpp"
#include "models/vision/text_detector.hpp"
#include "models/vision/text_reader.hpp"

namespace fogbank::vision {

class LineRecognizer {
  public:
    explicit LineRecognizer(const ModelSpec& spec);
    // Whether a region of this shape fits the network's input without squeezing its
    // letters more than it reads well.
    bool fits(const TextRegion& region) const;
    // The line and its words (split at spaces, boxed by the columns their characters were
    // read in), or nothing when nothing legible was read.
    std::optional<TextLine> read(const cv::Mat& bgr, const TextRegion& region);

    // Greedy CTC decoding of a [steps x classes] probability matrix: the most likely class per
    // step, repeats collapsed, blanks (class 0) dropped. Exposed for unit tests.
    struct Char {
        char ch;
        float confidence;  // the winning probability at the character's first step
        int first_step, last_step;
    };
    static std::vector<Char> decode(const cv::Mat& probabilities);
    // The network reads each character alone, and a round O and a zero look alike in many
    // fonts; a word settles which it is: a zero in a word with no other digit is the letter O
    // ("H0URS"), an O in a word with no other letter the digit ("2O41"). A word that mixes
    // letters and digits (a plate, "A0-9034") is left as read. Exposed for unit tests.
    static void settle_zeros(std::string& word);

  private:
    OnnxModel model_;
};

}  // namespace fogbank::vision
