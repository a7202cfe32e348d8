#include "models/vision/line_recognizer.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>

namespace fogbank::vision {

namespace {

// A region up to this much wider (relative to its height) than the input is squeezed into it;
// a longer line is left to Tesseract, which reads any length.
constexpr float kMaxSqueeze = 1.5f;
// Below this mean character probability a line is noise (texture, a logo's curve).
constexpr float kMinLineConfidence = 0.5f;
// Context kept around the detector's box, in text heights: the recogniser misreads a first
// letter cut close (P read as nothing, O as D) and ascenders touching the edge. Measured on
// the car photos' plates: 50 of 57 read with none, 53 with the vertical margin alone, 52-55
// for margins around these (bench/README.md).
constexpr float kMarginX = 0.15f, kMarginY = 0.1f;
// The level cut-out is at most this many input heights high before it is scaled down.
constexpr float kMaxCropHeights = 4.0f;

}  // namespace

LineRecognizer::LineRecognizer(const ModelSpec& spec) : model_(spec, "ppocr-rec") {}

bool LineRecognizer::fits(const TextRegion& region) const {
    const auto& q = region.quad;
    float w = static_cast<float>(cv::norm(q[1] - q[0]));
    float h = static_cast<float>(cv::norm(q[3] - q[0]));
    const auto& spec = model_.spec();
    return h >= 4 &&
           w / h <= kMaxSqueeze * static_cast<float>(spec.width) / static_cast<float>(spec.height);
}

std::vector<LineRecognizer::Char> LineRecognizer::decode(const cv::Mat& probabilities) {
    std::vector<Char> out;
    int previous = 0;
    for (int t = 0; t < probabilities.rows; ++t) {
        const float* row = probabilities.ptr<float>(t);
        int best = 0;
        for (int k = 1; k < probabilities.cols; ++k)
            if (row[k] > row[best]) best = k;
        if (best != 0 && best == previous && !out.empty())
            out.back().last_step = t;
        else if (best != 0)
            out.push_back({static_cast<char>(31 + best), row[best], t, t});
        previous = best;
    }
    return out;
}

void LineRecognizer::settle_zeros(std::string& word) {
    int letters = 0, digits = 0, zeros = 0, ohs = 0;
    for (char c : word) {
        if (c == '0') ++zeros;
        if (c == 'O') ++ohs;
        if (std::isdigit(static_cast<unsigned char>(c))) ++digits;
        if (std::isalpha(static_cast<unsigned char>(c))) ++letters;
    }
    if (zeros > 0 && digits == zeros && letters > 0)
        std::replace(word.begin(), word.end(), '0', 'O');
    else if (ohs > 0 && letters == ohs && digits > 0)
        std::replace(word.begin(), word.end(), 'O', '0');
}

std::optional<TextLine> LineRecognizer::read(const cv::Mat& bgr, const TextRegion& region) {
    const int in_w = model_.spec().width, in_h = model_.spec().height;
    float w = static_cast<float>(cv::norm(region.quad[1] - region.quad[0]));
    float h = static_cast<float>(cv::norm(region.quad[3] - region.quad[0]));
    if (w < 4 || h < 4) return std::nullopt;
    // The margins, along the region's own axes.
    cv::Point2f ux = (region.quad[1] - region.quad[0]) * (kMarginX * h / w);
    cv::Point2f uy = (region.quad[3] - region.quad[0]) * kMarginY;
    const std::array<cv::Point2f, 4> q = {region.quad[0] - ux - uy, region.quad[1] + ux - uy,
                                          region.quad[2] + ux + uy, region.quad[3] - ux + uy};
    w += 2 * kMarginX * h;
    const float h0 = h;
    h += 2 * kMarginY * h;
    // Cut out level at the region's own resolution, but never more than a few times the
    // input's height (a region can be as large as a 10,000-pixel photo), then scaled to the
    // input's height (area averaging when shrinking keeps thin strokes).
    const float k = std::min(1.0f, kMaxCropHeights * static_cast<float>(in_h) / h);
    const float mx = kMarginX * h0 * k, my = kMarginY * h0 * k;  // in the crop's pixels
    int cw = std::max(1, static_cast<int>(std::lround(w * k)));
    int ch = std::max(1, static_cast<int>(std::lround(h * k)));
    cv::Mat warp;
    cv::Mat crop = cut_level(bgr, q, cv::Size(cw, ch), cv::INTER_LINEAR, warp);
    int tw = std::clamp(static_cast<int>(std::ceil(static_cast<float>(in_h) * w / h)), 1, in_w);
    cv::Mat resized, rgb, f;
    cv::resize(crop, resized, cv::Size(tw, in_h), 0, 0,
               ch > in_h ? cv::INTER_AREA : cv::INTER_LINEAR);
    cv::cvtColor(resized, rgb, cv::COLOR_BGR2RGB);
    // PaddleOCR's normalisation, (x / 255 - 0.5) / 0.5; the padding is 0 after it.
    rgb.convertTo(f, CV_32FC3, 2.0 / 255.0, -1.0);
    cv::Mat input(in_h, in_w, CV_32FC3, cv::Scalar(0, 0, 0));
    f.copyTo(input(cv::Rect(0, 0, tw, in_h)));
    cv::Mat out = model_.run(cv::dnn::blobFromImage(input)).front();
    // [1, steps, classes]
    cv::Mat probabilities(out.size[1], out.size[2], CV_32F, out.ptr<float>());
    std::vector<Char> chars = decode(probabilities);
    if (chars.empty()) return std::nullopt;
    float sum = 0;
    for (const auto& c : chars)
        sum += c.confidence;
    if (sum / static_cast<float>(chars.size()) < kMinLineConfidence) return std::nullopt;

    // A step covers in_w / steps input columns; input columns map back to the crop by w / tw,
    // and the crop to the photo by the inverse warp.
    const float step_px = static_cast<float>(in_w) / static_cast<float>(probabilities.rows);
    const float to_crop = static_cast<float>(cw) / static_cast<float>(tw);
    cv::Mat unwarp = warp.inv();
    auto word_quad = [&](int first, int last) {
        // Within the detector's box: the margins are context, not text.
        float x0 = std::max(mx, static_cast<float>(first) * step_px * to_crop);
        float x1 =
            std::min(static_cast<float>(cw) - mx, static_cast<float>(last + 1) * step_px * to_crop);
        float y0 = my, y1 = static_cast<float>(ch) - my;
        std::vector<cv::Point2f> corners = {{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}, mapped;
        cv::perspectiveTransform(corners, mapped, unwarp);
        return std::array<cv::Point2f, 4>{mapped[0], mapped[1], mapped[2], mapped[3]};
    };
    TextLine line;
    line.quad = region.quad;
    size_t i = 0;
    float line_sum = 0;
    while (i < chars.size()) {
        while (i < chars.size() && chars[i].ch == ' ')
            ++i;
        if (i == chars.size()) break;
        size_t j = i;
        float word_sum = 0;
        std::string text;
        while (j < chars.size() && chars[j].ch != ' ') {
            text += chars[j].ch;
            word_sum += chars[j].confidence;
            ++j;
        }
        settle_zeros(text);
        float conf = 100.0f * word_sum / static_cast<float>(j - i);
        line.words.push_back({text, conf, word_quad(chars[i].first_step, chars[j - 1].last_step)});
        line.text += (line.text.empty() ? "" : " ") + text;
        line_sum += conf;
        i = j;
    }
    if (line.words.empty()) return std::nullopt;
    line.confidence = line_sum / static_cast<float>(line.words.size());
    return line;
}

}  // namespace fogbank::vision
