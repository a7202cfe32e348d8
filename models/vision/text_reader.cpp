#include "models/vision/text_reader.hpp"

#include <tesseract/baseapi.h>
#include <tesseract/resultiterator.h>

#include <opencv2/imgproc.hpp>

#include <cmath>
#include <stdexcept>

namespace fogbank::vision {

namespace {

constexpr float kLineHeight = 48.0f;  // pixels of text height Tesseract's LSTM reads best at
constexpr float kMaxUpscale = 4.0f;
constexpr int kBorder = 12;  // Tesseract wants a margin around a line
constexpr float kMinWordConfidence = 40.0f;

cv::Rect2f bounds(const std::array<cv::Point2f, 4>& q) {
    std::vector<cv::Point2f> pts(q.begin(), q.end());
    return cv::boundingRect(pts);
}

}  // namespace

// The detector splits a line at wide gaps ("fogbank   2026"); Rekognition reports one LINE
// for words on one baseline. Regions that overlap vertically by more than half and lie less
// than ~one text height apart are joined (their words keep their own boxes).
std::vector<TextLine> join_rows(std::vector<TextLine> lines) {
    std::vector<TextLine> out;
    for (auto& line : lines) {
        if (!out.empty()) {
            TextLine& prev = out.back();
            cv::Rect2f a = bounds(prev.quad), b = bounds(line.quad);
            float overlap = std::min(a.y + a.height, b.y + b.height) - std::max(a.y, b.y);
            float height = std::min(a.height, b.height);
            float gap = b.x - (a.x + a.width);
            if (overlap > 0.5f * height && gap < 1.2f * height && gap > -0.5f * height) {
                cv::Rect2f u = a | b;
                prev.quad = {cv::Point2f(u.x, u.y), cv::Point2f(u.x + u.width, u.y),
                             cv::Point2f(u.x + u.width, u.y + u.height),
                             cv::Point2f(u.x, u.y + u.height)};
                float n = static_cast<float>(prev.words.size() + line.words.size());
                prev.confidence = (prev.confidence * static_cast<float>(prev.words.size()) +
                                   line.confidence * static_cast<float>(line.words.size())) /
                                  n;
                prev.text += " " + line.text;
                for (auto& w : line.words)
                    prev.words.push_back(std::move(w));
                continue;
            }
        }
        out.push_back(std::move(line));
    }
    return out;
}

cv::Mat cut_level(const cv::Mat& bgr, const std::array<cv::Point2f, 4>& quad, cv::Size size,
                  int interpolation, cv::Mat& warp) {
    const float w = static_cast<float>(size.width), h = static_cast<float>(size.height);
    const cv::Point2f dst[4] = {{0, 0}, {w, 0}, {w, h}, {0, h}};
    warp = cv::getPerspectiveTransform(quad.data(), dst);
    cv::Mat out;
    cv::warpPerspective(bgr, out, warp, size, interpolation, cv::BORDER_REPLICATE);
    return out;
}

struct TextReader::Impl {
    std::mutex mu;  // a TessBaseAPI reads one image at a time
    tesseract::TessBaseAPI api;
};

TextReader::TextReader(const ModelSpec& spec) : impl_(std::make_unique<Impl>()) {
    if (spec.format != "tesseract")
        throw std::runtime_error("model " + spec.name + ": format '" + spec.format +
                                 "' is not a text reader fogbank can run (tesseract)");
    check_model_file(spec);
    std::string dir = spec.file.parent_path().string();
    std::string lang = spec.file.stem().string();
    if (impl_->api.Init(dir.c_str(), lang.c_str(), tesseract::OEM_LSTM_ONLY) != 0)
        throw std::runtime_error("model " + spec.name + ": Tesseract cannot load " +
                                 spec.file.string());
    impl_->api.SetPageSegMode(tesseract::PSM_SINGLE_LINE);
}

TextReader::~TextReader() {
    impl_->api.End();
}

std::optional<TextLine> TextReader::read_line(const cv::Mat& bgr, const TextRegion& region) {
    std::lock_guard lock(impl_->mu);
    const auto& q = region.quad;
    float w = static_cast<float>(cv::norm(q[1] - q[0]));
    float h = static_cast<float>(cv::norm(q[3] - q[0]));
    if (w < 4 || h < 4) return std::nullopt;
    float k = std::clamp(kLineHeight / h, 0.25f, kMaxUpscale);
    int cw = std::max(1, static_cast<int>(std::lround(w * k)));
    int ch = std::max(1, static_cast<int>(std::lround(h * k)));
    cv::Mat warp;
    cv::Mat crop = cut_level(bgr, q, cv::Size(cw, ch), cv::INTER_CUBIC, warp);
    cv::Mat unwarp = warp.inv();
    cv::Mat gray, padded;
    cv::cvtColor(crop, gray, cv::COLOR_BGR2GRAY);
    // Otsu's binarisation, dark text on white: Tesseract reads a clean two-tone line far
    // better than a photo's gradients, and light-on-dark text (signs) is flipped.
    cv::Mat binary;
    cv::threshold(gray, binary, 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU);
    if (static_cast<size_t>(cv::countNonZero(binary)) < binary.total() / 2)
        cv::bitwise_not(binary, binary);
    cv::copyMakeBorder(binary, padded, kBorder, kBorder, kBorder, kBorder, cv::BORDER_CONSTANT,
                       cv::Scalar(255));

    auto& api = impl_->api;
    api.SetImage(padded.data, padded.cols, padded.rows, 1, static_cast<int>(padded.step));
    api.SetSourceResolution(300);
    if (api.Recognize(nullptr) != 0) return std::nullopt;
    std::unique_ptr<tesseract::ResultIterator> it(api.GetIterator());
    if (!it) return std::nullopt;
    TextLine line;
    line.quad = q;
    float sum = 0;
    do {
        std::unique_ptr<char[]> text(it->GetUTF8Text(tesseract::RIL_WORD));
        if (!text) continue;
        std::string word(text.get());
        while (!word.empty() && std::isspace(static_cast<unsigned char>(word.back())))
            word.pop_back();
        float conf = it->Confidence(tesseract::RIL_WORD);
        if (word.empty() || conf < kMinWordConfidence) continue;
        int l, t, r, b;
        it->BoundingBox(tesseract::RIL_WORD, &l, &t, &r, &b);
        std::vector<cv::Point2f> corners = {
            {static_cast<float>(l - kBorder), static_cast<float>(t - kBorder)},
            {static_cast<float>(r - kBorder), static_cast<float>(t - kBorder)},
            {static_cast<float>(r - kBorder), static_cast<float>(b - kBorder)},
            {static_cast<float>(l - kBorder), static_cast<float>(b - kBorder)}};
        std::vector<cv::Point2f> mapped;
        cv::perspectiveTransform(corners, mapped, unwarp);
        Word wd{word, conf, {mapped[0], mapped[1], mapped[2], mapped[3]}};
        line.text += (line.text.empty() ? "" : " ") + word;
        sum += conf;
        line.words.push_back(std::move(wd));
    } while (it->Next(tesseract::RIL_WORD));
    if (line.words.empty()) return std::nullopt;
    line.confidence = sum / static_cast<float>(line.words.size());
    return line;
}

}  // namespace fogbank::vision
