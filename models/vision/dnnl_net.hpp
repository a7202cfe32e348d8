// A convolutional network run on oneDNN (Debian's libdnnl): the ONNX graph of DetectLabels'
// detector planned once per input size into oneDNN primitives, each convolution fused with the
// activation after it, activations kept channels-last. On a CPU that computes bfloat16 natively
// (AVX512-BF16, AMX) the activations and weights are bfloat16 with float accumulation, which
// runs YOLOv5s several times faster than OpenCV 4.6's DNN module does in float; elsewhere it is
// float throughout. The operators run are those the detector's graph holds (Conv, Swish, Add,
// Concat, MaxPool, nearest Resize by whole factors, Identity); any other is refused when the
// net is built, not when it runs.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>
#include <opencv2/core.hpp>

#include <array>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "models/vision/onnx_graph.hpp"

namespace fogbank::vision {

class DnnlNet {
  public:
    enum class Precision { f32, bf16 };
    // bf16 where the CPU computes it natively, f32 elsewhere.
    static Precision native_precision();

    // Throws std::runtime_error for an operator, an attribute or a wiring this net does not run.
    DnnlNet(OnnxGraph graph, Precision precision);
    ~DnnlNet();

    // The graph's outputs, in its order, for a float [1, C, H, W] blob: each a float
    // [1, C', H', W'] cv::Mat of its own. One pass at a time (the plans' buffers are shared).
    // Throws std::runtime_error for a blob of a shape the graph does not take.
    std::vector<cv::Mat> run(const cv::Mat& blob);

    Precision precision() const { return precision_; }
    // oneDNN's name for the kernels its first convolution runs ("brgconv:avx512_core_amx_bf16"),
    // empty before the first run.
    std::string implementation() const;

  private:
    struct Plan;
    Plan& plan_for(int channels, int height, int width);

    OnnxGraph graph_;
    Precision precision_;
    dnnl::engine engine_;
    dnnl::stream stream_;
    mutable std::mutex mu_;
    std::map<std::array<int, 3>, std::unique_ptr<Plan>> plans_;
};

}  // namespace fogbank::vision
