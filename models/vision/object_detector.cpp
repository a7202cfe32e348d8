#include "models/vision/object_detector.hpp"

#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>
#include <string>
#include <tuple>

namespace fogbank::vision {

namespace {

// YOLOv5's default anchors (width, height in input pixels), three per head; the heads come
// finest first (strides 8, 16 and 32), each [1, 3 x (5 + classes), H, W].
constexpr std::array<std::array<std::array<float, 2>, 3>, 3> kAnchors = {{
    {{{10, 13}, {16, 30}, {33, 23}}},
    {{{30, 61}, {62, 45}, {59, 119}}},
    {{{116, 90}, {156, 198}, {373, 326}}},
}};
// The grey YOLOv5 was trained to see around a letterboxed image.
constexpr double kMarginGrey = 114;
// One object seen by two cells or anchors is one detection (YOLOv5's own NMS threshold). Two
// classes on one box are the network hesitating between names for it (horse or cow, car or
// truck): a clearly surer name stands alone; near-ties keep both, since either may be right.
constexpr float kSameClassIou = 0.45f;
constexpr float kOtherClassIou = 0.6f;
constexpr float kSurer = 1.1f;

float iou(const cv::Rect2f& a, const cv::Rect2f& b) {
    float inter = (a & b).area();
    float uni = a.area() + b.area() - inter;
    return uni > 0 ? inter / uni : 0.0f;
}

// Ties broken by class and position so that the answer never varies.
bool before(const Detection& a, const Detection& b) {
    if (a.score != b.score) return a.score > b.score;
    return std::tie(a.class_id, a.box.x, a.box.y) < std::tie(b.class_id, b.box.x, b.box.y);
}

float sigmoid(float x) {
    return 1.0f / (1.0f + std::exp(-x));
}

}  // namespace

std::vector<ObjectDetector::View> ObjectDetector::views_of(const ModelSpec& spec) {
    // The views are the manifest's (models/manifest.yaml says why these). A scale of 1-4 keeps
    // the input a multiple of the network's stride (32) when the manifest's is, and bounds the
    // cost of a view at 16x the input's.
    if (spec.width != spec.height || spec.width <= 0 || spec.width % 32 || spec.views.empty() ||
        spec.views.size() > 4)
        throw std::runtime_error("model " + spec.name +
                                 ": a yolov5 model needs a square input "
                                 "of a multiple of 32 px and 1 to 4 views");
    std::vector<View> views;
    for (const auto& [scale, zoom, extent] : spec.views) {
        if (scale != std::floor(scale) || scale < 1 || scale > 4 || !(zoom >= 1 && zoom <= 4) ||
            !(extent > 0 && extent <= 1))
            throw std::runtime_error("model " + spec.name +
                                     ": a view is [scale 1-4, zoom 1-4, "
                                     "max extent over 0 up to 1]");
        views.push_back({static_cast<int>(scale), zoom, extent});
    }
    return views;
}

namespace {

DnnlNet network_of(const ModelSpec& spec) {
    if (spec.format != "yolov5")
        throw std::runtime_error("model " + spec.name + ": format '" + spec.format +
                                 "' where fogbank runs 'yolov5' here");
    try {
        return DnnlNet(read_onnx_graph(read_model_file(spec)), DnnlNet::native_precision());
    } catch (const ProtobufError& e) {
        throw std::runtime_error("model " + spec.name + ": " + spec.file.string() +
                                 " is not an ONNX model fogbank reads: " + e.what());
    } catch (const std::runtime_error& e) {
        throw std::runtime_error("model " + spec.name + ": " + e.what());
    }
}

}  // namespace

ObjectDetector::ObjectDetector(const ModelSpec& spec)
    : views_(views_of(spec)), spec_(spec), net_(network_of(spec)) {}

void ObjectDetector::detect_view(const cv::Mat& bgr, const View& view, float min_score,
                                 std::vector<Detection>& out) {
    const ModelSpec& spec = spec_;
    const int size = std::min(spec.width, spec.height) * view.scale;
    // The canvas, scaled straight to the network's input: the image lands at (ox, oy).
    const float side = static_cast<float>(std::max(bgr.cols, bgr.rows)) * view.zoom;
    const float scale = static_cast<float>(size) / side;
    const int w_in = std::clamp(static_cast<int>(bgr.cols * scale + 0.5f), 1, size);
    const int h_in = std::clamp(static_cast<int>(bgr.rows * scale + 0.5f), 1, size);
    const int ox = (size - w_in) / 2, oy = (size - h_in) / 2;
    cv::Mat canvas(size, size, CV_8UC3, cv::Scalar::all(kMarginGrey));
    cv::Mat placed = canvas(cv::Rect(ox, oy, w_in, h_in));
    cv::resize(bgr, placed, placed.size(), 0, 0, cv::INTER_AREA);
    cv::Mat blob = cv::dnn::blobFromImage(canvas, 1.0 / 255, cv::Size(), cv::Scalar(),
                                          /*swapRB=*/true, /*crop=*/false);
    std::vector<cv::Mat> heads = net_.run(blob);
    for (Detection& d : decode_yolov5(std::move(heads), size, cv::Rect(ox, oy, w_in, h_in),
                                      min_score, view.max_extent)) {
        d.confidence = spec.calibrate(d.score);
        out.push_back(d);
    }
}

std::vector<Detection> decode_yolov5(std::vector<cv::Mat> heads, int size, const cv::Rect& placed,
                                     float min_score, float max_extent) {
    auto rows = [](const cv::Mat& m) { return m.dims == 4 ? m.size[2] : 0; };
    std::sort(heads.begin(), heads.end(),
              [&](const cv::Mat& a, const cv::Mat& b) { return rows(a) > rows(b); });
    std::vector<Detection> out;
    const float iw = static_cast<float>(placed.width), ih = static_cast<float>(placed.height);
    const float ox = static_cast<float>(placed.x), oy = static_cast<float>(placed.y);
    for (size_t level = 0; level < heads.size() && level < kAnchors.size(); ++level) {
        const cv::Mat& head = heads[level];
        if (head.dims != 4 || head.type() != CV_32F || !head.isContinuous()) continue;
        const int h = head.size[2], w = head.size[3];
        const int per_anchor = head.size[1] / 3, classes = per_anchor - 5;
        if (classes <= 0 || h <= 0 || w <= 0 || head.size[1] != 3 * per_anchor) continue;
        const float stride = static_cast<float>(size) / static_cast<float>(h);
        const size_t plane = static_cast<size_t>(h) * w;
        const float* hp = head.ptr<float>();
        for (int a = 0; a < 3; ++a) {
            const float* base = hp + static_cast<size_t>(a) * per_anchor * plane;
            for (size_t cell = 0; cell < plane; ++cell) {
                float objectness = sigmoid(base[4 * plane + cell]);
                if (objectness < min_score) continue;
                int best = 0;
                float best_logit = base[5 * plane + cell];
                for (int c = 1; c < classes; ++c)
                    if (float l = base[(5 + c) * plane + cell]; l > best_logit) {
                        best_logit = l;
                        best = c;
                    }
                float score = objectness * sigmoid(best_logit);
                if (score < min_score) continue;
                // YOLOv5's box: the centre within two cells' reach, the size up to 4x its anchor.
                const int gx = static_cast<int>(cell % w), gy = static_cast<int>(cell / w);
                float cx = (sigmoid(base[cell]) * 2 - 0.5f + gx) * stride - ox;
                float cy = (sigmoid(base[plane + cell]) * 2 - 0.5f + gy) * stride - oy;
                float bw =
                    std::pow(sigmoid(base[2 * plane + cell]) * 2, 2.0f) * kAnchors[level][a][0];
                float bh =
                    std::pow(sigmoid(base[3 * plane + cell]) * 2, 2.0f) * kAnchors[level][a][1];
                float x1 = std::clamp(cx - bw / 2, 0.0f, iw),
                      y1 = std::clamp(cy - bh / 2, 0.0f, ih);
                float x2 = std::clamp(cx + bw / 2, 0.0f, iw),
                      y2 = std::clamp(cy + bh / 2, 0.0f, ih);
                if (x2 <= x1 || y2 <= y1) continue;
                cv::Rect2f box(x1 / iw, y1 / ih, (x2 - x1) / iw, (y2 - y1) / ih);
                if (std::max(box.width, box.height) > max_extent) continue;
                out.push_back({best, score, 0.0f, box});
            }
        }
    }
    return out;
}

std::vector<Detection> merge_detections(std::vector<Detection> found) {
    std::sort(found.begin(), found.end(), before);
    // Same class, same box: one object, at its surest cell or view. Then two names on one box:
    // the surer stands alone when clearly so.
    std::vector<Detection> out;
    for (const Detection& d : found) {
        bool seen = std::any_of(out.begin(), out.end(), [&](const Detection& k) {
            if (iou(k.box, d.box) <= (k.class_id == d.class_id ? kSameClassIou : kOtherClassIou))
                return false;
            return k.class_id == d.class_id || k.score >= kSurer * d.score;
        });
        if (!seen) out.push_back(d);
    }
    return out;
}

std::vector<Detection> ObjectDetector::detect(const cv::Mat& bgr, float min_score) {
    std::vector<Detection> found;
    for (const View& view : views_)
        detect_view(bgr, view, min_score, found);
    return merge_detections(std::move(found));
}

}  // namespace fogbank::vision
