#include "models/vision/text_detector.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>

namespace fogbank::vision {

namespace {

// PaddleOCR's defaults for the DB head.
constexpr float kBinaryThreshold = 0.3f;
constexpr float kBoxThreshold = 0.6f;
constexpr float kUnclipRatio = 1.5f;
constexpr float kMinSide = 3.0f;

// The four corners of a rotated rectangle, starting top-left, clockwise.
std::array<cv::Point2f, 4> ordered_corners(const cv::RotatedRect& r) {
    cv::Point2f pts[4];
    r.points(pts);
    std::array<cv::Point2f, 4> p = {pts[0], pts[1], pts[2], pts[3]};
    std::sort(p.begin(), p.end(),
              [](auto a, auto b) { return a.x < b.x || (a.x == b.x && a.y < b.y); });
    // p[0], p[1]: the two leftmost; p[2], p[3]: the two rightmost.
    cv::Point2f tl = p[0].y <= p[1].y ? p[0] : p[1], bl = p[0].y <= p[1].y ? p[1] : p[0];
    cv::Point2f tr = p[2].y <= p[3].y ? p[2] : p[3], br = p[2].y <= p[3].y ? p[3] : p[2];
    return {tl, tr, br, bl};
}

}  // namespace

TextDetector::TextDetector(const ModelSpec& spec) : model_(spec, "db") {}

std::vector<TextRegion> TextDetector::detect(const cv::Mat& bgr) {
    const int side = model_.spec().width;
    // Letterbox: keep the aspect ratio, pad right and bottom.
    double scale = static_cast<double>(side) / std::max(bgr.cols, bgr.rows);
    cv::Mat resized, rgb;
    cv::resize(bgr, resized,
               cv::Size(std::max(1, static_cast<int>(bgr.cols * scale)),
                        std::max(1, static_cast<int>(bgr.rows * scale))),
               0, 0, scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
    cv::cvtColor(resized, rgb, cv::COLOR_BGR2RGB);
    cv::Mat input(side, side, CV_32FC3, cv::Scalar(0, 0, 0));
    // ImageNet normalisation, as PaddleOCR trains the detector.
    cv::Mat f;
    rgb.convertTo(f, CV_32FC3, 1.0 / 255.0);
    cv::subtract(f, cv::Scalar(0.485, 0.456, 0.406), f);
    cv::divide(f, cv::Scalar(0.229, 0.224, 0.225), f);
    f.copyTo(input(cv::Rect(0, 0, f.cols, f.rows)));
    cv::Mat blob = cv::dnn::blobFromImage(input);

    cv::Mat prob = model_.run(blob).front();
    cv::Mat map(side, side, CV_32F, prob.ptr<float>());
    cv::Mat mask = map > kBinaryThreshold;

    std::vector<std::vector<cv::Point>> contours;
    cv::findContours(mask, contours, cv::RETR_LIST, cv::CHAIN_APPROX_SIMPLE);
    std::vector<TextRegion> out;
    for (const auto& c : contours) {
        cv::RotatedRect r = cv::minAreaRect(c);
        if (std::min(r.size.width, r.size.height) < kMinSide) continue;
        cv::Mat region = cv::Mat::zeros(side, side, CV_8U);
        cv::drawContours(region, std::vector<std::vector<cv::Point>>{c}, 0, cv::Scalar(255),
                         cv::FILLED);
        float score = static_cast<float>(cv::mean(map, region)[0]);
        if (score < kBoxThreshold) continue;
        // Unclip: grow by area * ratio / perimeter on every side.
        float area = r.size.width * r.size.height;
        float perimeter = 2 * (r.size.width + r.size.height);
        float d = area * kUnclipRatio / perimeter;
        r.size.width += 2 * d;
        r.size.height += 2 * d;
        TextRegion t;
        t.score = score;
        t.quad = ordered_corners(r);
        for (auto& p : t.quad) {
            p.x = std::clamp(static_cast<float>(p.x / scale), 0.0f, static_cast<float>(bgr.cols));
            p.y = std::clamp(static_cast<float>(p.y / scale), 0.0f, static_cast<float>(bgr.rows));
        }
        out.push_back(t);
    }
    // Reading order: rows of regions whose tops lie within half a height of the row's first,
    // top to bottom; each row left to right. (Grouped first, so that the sort is a strict
    // ordering and the answer never depends on the order contours came in.)
    std::sort(out.begin(), out.end(), [](const TextRegion& a, const TextRegion& b) {
        return std::tie(a.quad[0].y, a.quad[0].x) < std::tie(b.quad[0].y, b.quad[0].x);
    });
    std::vector<TextRegion> ordered;
    for (size_t i = 0; i < out.size();) {
        float top = out[i].quad[0].y, half = (out[i].quad[3].y - out[i].quad[0].y) / 2;
        size_t j = i + 1;
        while (j < out.size() && out[j].quad[0].y - top <= half)
            ++j;
        std::sort(out.begin() + static_cast<std::ptrdiff_t>(i),
                  out.begin() + static_cast<std::ptrdiff_t>(j),
                  [](const TextRegion& a, const TextRegion& b) {
                      return std::tie(a.quad[0].x, a.quad[0].y) <
                             std::tie(b.quad[0].x, b.quad[0].y);
                  });
        ordered.insert(ordered.end(), out.begin() + static_cast<std::ptrdiff_t>(i),
                       out.begin() + static_cast<std::ptrdiff_t>(j));
        i = j;
    }
    out = std::move(ordered);
    return out;
}

}  // namespace fogbank::vision
