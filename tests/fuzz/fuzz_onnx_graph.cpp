// The ONNX graph reader: a model file as fogbank reads it before a network is built from it.
#include "models/vision/onnx_graph.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        auto g = fogbank::vision::read_onnx_graph(fogbank::fuzz::bytes(data, size));
        fogbank::fuzz::check(g.nodes.size() <= fogbank::vision::kOnnxMaxNodes,
                             "a graph within the node cap");
        for (const auto& t : g.initializers) {
            size_t n = 1;
            for (int64_t d : t.dims)
                n *= static_cast<size_t>(d);
            fogbank::fuzz::check(t.values.size() == n, "a tensor holds its dims' product");
        }
    } catch (const fogbank::ProtobufError&) {
    }
    return 0;
}
