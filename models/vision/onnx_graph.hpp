// An ONNX model's graph as plain structs, read from the file's protobuf bytes by fogbank's own
// bounded reader (emulator/protobuf_reader.hpp): the nodes in their file order, the float
// initializers (the weights) and the names of the graph's inputs and outputs. What a runtime
// needs and nothing more: subgraphs, sparse and external tensors and non-float initializers are
// refused, every count and size is capped, and nothing recurses, so a hostile file costs at
// most its own size in memory.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/protobuf_reader.hpp"

namespace fogbank::vision {

struct OnnxTensor {
    std::string name;
    std::vector<int64_t> dims;
    std::vector<float> values;  // row-major, as many as the dims' product
};

struct OnnxAttribute {
    std::string name;
    int64_t i = 0;
    float f = 0;
    std::string s;
    std::vector<int64_t> ints;
    std::vector<float> floats;
};

struct OnnxNode {
    std::string name;
    std::string op_type;
    std::vector<std::string> inputs;  // "" is an omitted optional input
    std::vector<std::string> outputs;
    std::vector<OnnxAttribute> attributes;
    // The named attribute, nullptr when absent.
    const OnnxAttribute* attribute(std::string_view name) const;
};

struct OnnxGraph {
    std::vector<OnnxNode> nodes;
    std::vector<OnnxTensor> initializers;
    std::vector<std::string> inputs;  // initializers may be listed here too, as older files do
    std::vector<std::string> outputs;
};

// Limits the reader holds a file to; a model beyond them is refused, not truncated.
inline constexpr size_t kOnnxMaxNodes = 100000;
inline constexpr size_t kOnnxMaxNameBytes = 4096;
inline constexpr size_t kOnnxMaxDims = 8;
inline constexpr size_t kOnnxMaxListed = 4096;  // inputs, outputs or values of one attribute
inline constexpr int64_t kOnnxMaxElements = int64_t{1} << 28;

// Throws ProtobufError when the bytes are not an ONNX model this reader takes.
OnnxGraph read_onnx_graph(std::string_view model);

}  // namespace fogbank::vision
