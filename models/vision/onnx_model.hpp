// One ONNX network run by OpenCV's DNN module: checked against its manifest entry (the decoder
// format its caller expects, the file's checksum) when loaded, and run one forward pass at a
// time, since a cv::dnn::Net is not re-entrant.
#pragma once

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

#include <mutex>
#include <string_view>
#include <vector>

#include "models/vision/manifest.hpp"

namespace fogbank::vision {

class OnnxModel {
  public:
    // Throws std::runtime_error when `spec.format` is not `format` or the file is wrong.
    OnnxModel(const ModelSpec& spec, std::string_view format);
    const ModelSpec& spec() const { return spec_; }
    // The named outputs for `blob` (the network's last output when `outputs` is empty), copied
    // out of the network's buffers.
    std::vector<cv::Mat> run(const cv::Mat& blob, const std::vector<cv::String>& outputs = {});
    // Every output of the graph, in the network's order.
    const std::vector<cv::String>& output_names() const { return outputs_; }

  private:
    ModelSpec spec_;
    std::mutex mu_;
    cv::dnn::Net net_;
    std::vector<cv::String> outputs_;
};

}  // namespace fogbank::vision
