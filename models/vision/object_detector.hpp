// DetectLabels' detector: a YOLOv5 ONNX network run on oneDNN (models/vision/dnnl_net.hpp) on two
// letterboxed views of the image (coarse with a margin for what fills the frame, fine for what is
// small), its three detection heads decoded here (anchors, sigmoid, boxes) and merged by NMS, one
// name to a box.
#pragma once

#include <opencv2/core.hpp>

#include <vector>

#include "models/vision/dnnl_net.hpp"
#include "models/vision/manifest.hpp"

namespace fogbank::vision {

struct Detection {
    int class_id = 0;
    float score = 0;       // objectness x class probability, 0..1
    float confidence = 0;  // calibrated onto Rekognition's 0..100
    cv::Rect2f box;        // relative to the image, 0..1
};

// YOLOv5's three heads ([1, 3 x (5 + classes), H, W] each, any order) for a `size`-pixel square
// input on which the image was placed at `placed`: the cells at or above `min_score`
// (objectness x class), their boxes relative to the image, those spanning more than
// `max_extent` of it either way left out. Confidence is left at 0.
std::vector<Detection> decode_yolov5(std::vector<cv::Mat> heads, int size, const cv::Rect& placed,
                                     float min_score, float max_extent);

// One box per object: same-class boxes overlapping by IoU > 0.45 keep the surest; a box of
// another class overlapping a surer one by IoU > 0.6 goes when that one is 1.1x surer. Most
// confident first, ties ordered by class and position.
std::vector<Detection> merge_detections(std::vector<Detection> found);

class ObjectDetector {
  public:
    // Throws std::runtime_error when the manifest's `views` are not views this decoder runs, or
    // the file is not a network DnnlNet runs.
    explicit ObjectDetector(const ModelSpec& spec);
    // The precision and kernels the network runs with (for health and the bench).
    DnnlNet::Precision precision() const { return net_.precision(); }
    // Detections above `min_score`, most confident first.
    std::vector<Detection> detect(const cv::Mat& bgr, float min_score);

    // The image on a square canvas `zoom` times its longer side, fed at `scale` times the
    // manifest's input; the view keeps boxes within `max_extent` of the image both ways.
    struct View {
        int scale;
        float zoom;
        float max_extent;
    };
    // The manifest's views, checked. Throws std::runtime_error.
    static std::vector<View> views_of(const ModelSpec& spec);

  private:
    std::vector<View> views_;
    // Appends the detections of one view.
    void detect_view(const cv::Mat& bgr, const View& view, float min_score,
                     std::vector<Detection>& out);

    ModelSpec spec_;
    DnnlNet net_;
};

}  // namespace fogbank::vision
