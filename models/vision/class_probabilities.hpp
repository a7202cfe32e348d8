// A classifier's answer (analysis::ClassProbabilities) from its network's softmax output.
#pragma once

#include <opencv2/core.hpp>

#include "models/vision/analysis.hpp"

namespace fogbank::vision {

// The first N values of the output (fewer leave the rest 0).
template <typename Probabilities>
Probabilities probabilities_from(const cv::Mat& out) {
    Probabilities c;
    const float* v = out.ptr<float>();
    for (size_t i = 0; i < c.p.size() && i < out.total(); ++i)
        c.p[i] = v[i];
    return c;
}

}  // namespace fogbank::vision
