// A classifier's answer: one probability per class, indexed by the class's enum.
#pragma once

#include <opencv2/core.hpp>

#include <array>
#include <cstddef>

namespace fogbank::vision {

template <typename Class, size_t N>
struct ClassProbabilities {
    std::array<float, N> p{};  // by Class, summing to 1
    float of(Class c) const { return p[static_cast<size_t>(c)]; }

    // The first N values of a network's softmax output (fewer leave the rest 0).
    static ClassProbabilities from(const cv::Mat& out) {
        ClassProbabilities c;
        const float* v = out.ptr<float>();
        for (size_t i = 0; i < N && i < out.total(); ++i)
            c.p[i] = v[i];
        return c;
    }
};

}  // namespace fogbank::vision
