#include "models/vision/onnx_model.hpp"

#include <stdexcept>
#include <string>

namespace fogbank::vision {

OnnxModel::OnnxModel(const ModelSpec& spec, std::string_view format) : spec_(spec) {
    if (spec.format != format)
        throw std::runtime_error("model " + spec.name + ": format '" + spec.format +
                                 "' where fogbank runs '" + std::string(format) + "' here");
    check_model_file(spec);
    net_ = cv::dnn::readNetFromONNX(spec.file.string());
    outputs_ = net_.getUnconnectedOutLayersNames();
}

std::vector<cv::Mat> OnnxModel::run(const cv::Mat& blob, const std::vector<cv::String>& outputs) {
    std::lock_guard lock(mu_);
    net_.setInput(blob);
    std::vector<cv::Mat> outs;
    if (outputs.empty())
        outs.push_back(net_.forward());
    else
        net_.forward(outs, outputs);
    for (auto& m : outs)
        m = m.clone();
    return outs;
}

}  // namespace fogbank::vision
