#include "models/vision/object_detector.hpp"

#include <algorithm>

namespace fogbank::vision {

namespace {

constexpr int kTopK = 100;
constexpr float kNmsIou = 0.5f;
// The heatmap is a quarter of the input's resolution.
constexpr float kStride = 4.0f;

float iou(const cv::Rect2f& a, const cv::Rect2f& b) {
    float inter = (a & b).area();
    float uni = a.area() + b.area() - inter;
    return uni > 0 ? inter / uni : 0.0f;
}

}  // namespace

ObjectDetector::ObjectDetector(const ModelSpec& spec) : model_(spec, "centernet") {}

std::vector<Detection> ObjectDetector::detect(const cv::Mat& bgr, float min_score) {
    const ModelSpec& spec = model_.spec();
    cv::Mat blob = cv::dnn::blobFromImage(bgr, 1.0, cv::Size(spec.width, spec.height), cv::Scalar(),
                                          /*swapRB=*/true, /*crop=*/false);
    std::vector<cv::Mat> outs = model_.run(blob, {"keypoints", "wh"});
    const cv::Mat& heat = outs[0];  // [1, classes, H, W]
    const cv::Mat& wh = outs[1];    // [1, 4, H, W]: left, top, right, bottom distances
    const int classes = heat.size[1], h = heat.size[2], w = heat.size[3];
    const float* hp = heat.ptr<float>();
    const float* wp = wh.ptr<float>();
    auto at = [&](int c, int y, int x) { return hp[(static_cast<size_t>(c) * h + y) * w + x]; };

    // A peak is a cell no smaller than its 3x3 neighbourhood (CenterNet's max-pool NMS).
    struct Peak {
        float score;
        int c, y, x;
    };
    std::vector<Peak> peaks;
    for (int c = 0; c < classes; ++c)
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) {
                float s = at(c, y, x);
                if (s < min_score) continue;
                bool peak = true;
                for (int dy = -1; dy <= 1 && peak; ++dy)
                    for (int dx = -1; dx <= 1; ++dx) {
                        int yy = y + dy, xx = x + dx;
                        if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
                        if (at(c, yy, xx) > s) {
                            peak = false;
                            break;
                        }
                    }
                if (peak) peaks.push_back({s, c, y, x});
            }
    // Ties broken by position so that the order, and so the answer, never varies.
    std::sort(peaks.begin(), peaks.end(), [](const Peak& a, const Peak& b) {
        if (a.score != b.score) return a.score > b.score;
        return std::tie(a.c, a.y, a.x) < std::tie(b.c, b.y, b.x);
    });
    if (peaks.size() > kTopK) peaks.resize(kTopK);

    const size_t plane = static_cast<size_t>(h) * w;
    const float in_w = static_cast<float>(spec.width), in_h = static_cast<float>(spec.height);
    std::vector<Detection> kept;
    for (const Peak& p : peaks) {
        size_t cell = static_cast<size_t>(p.y) * w + p.x;
        float cx = p.x * kStride, cy = p.y * kStride;
        float x1 = std::clamp((cx - wp[cell]) / in_w, 0.0f, 1.0f);
        float y1 = std::clamp((cy - wp[plane + cell]) / in_h, 0.0f, 1.0f);
        float x2 = std::clamp((cx + wp[2 * plane + cell]) / in_w, 0.0f, 1.0f);
        float y2 = std::clamp((cy + wp[3 * plane + cell]) / in_h, 0.0f, 1.0f);
        if (x2 <= x1 || y2 <= y1) continue;
        Detection d{p.c, p.score, spec.calibrate(p.score), cv::Rect2f(x1, y1, x2 - x1, y2 - y1)};
        bool overlaps = std::any_of(kept.begin(), kept.end(), [&](const Detection& k) {
            return k.class_id == d.class_id && iou(k.box, d.box) > kNmsIou;
        });
        if (!overlaps) kept.push_back(d);
    }
    return kept;
}

}  // namespace fogbank::vision
