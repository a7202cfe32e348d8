// DetectLabels' detector: a CenterNet ONNX network run by OpenCV's DNN module, its heatmap and
// box-size outputs decoded here (3x3 peak pick, top-k, boxes), over two views of the image
// (letterboxed, and zoomed out for objects that fill the frame), merged by NMS.
#pragma once

#include <opencv2/core.hpp>

#include <vector>

#include "models/vision/onnx_model.hpp"

namespace fogbank::vision {

struct Detection {
    int class_id = 0;
    float score = 0;       // the heatmap peak, 0..1
    float confidence = 0;  // calibrated onto Rekognition's 0..100
    cv::Rect2f box;        // relative to the image, 0..1
};

class ObjectDetector {
  public:
    explicit ObjectDetector(const ModelSpec& spec);
    // Detections above `min_score`, most confident first.
    std::vector<Detection> detect(const cv::Mat& bgr, float min_score);

    // The image centred on a square canvas `zoom` times its longer side; the view's boxes
    // spanning less than `min_size` of the image both ways are dropped.
    struct View {
        float zoom;
        float min_size;
    };

  private:
    // Appends the detections of one view.
    void detect_view(const cv::Mat& bgr, const View& view, float min_score,
                     std::vector<Detection>& out);

    OnnxModel model_;
};

}  // namespace fogbank::vision
