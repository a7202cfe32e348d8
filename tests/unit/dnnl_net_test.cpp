// The ONNX path of DetectLabels' detector, bottom up: Protocol Buffers' wire format as fogbank
// reads it, an ONNX graph read from bytes written here field by field, and that graph run on
// oneDNN against OpenCV's DNN module running the very same bytes (an independent
// implementation of every operator), in float and in bfloat16.
#include <gtest/gtest.h>
#include <opencv2/dnn.hpp>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "emulator/protobuf_reader.hpp"
#include "models/vision/dnnl_net.hpp"
#include "models/vision/onnx_graph.hpp"

using fogbank::append_floats;
using fogbank::append_varints;
using fogbank::ProtobufError;
using fogbank::ProtobufReader;
using fogbank::vision::DnnlNet;
using fogbank::vision::OnnxGraph;
using fogbank::vision::read_onnx_graph;

namespace {

// A protobuf message written field by field.
struct Pb {
    std::string out;
    void raw_varint(uint64_t v) {
        do {
            out.push_back(static_cast<char>((v & 0x7f) | (v > 0x7f ? 0x80 : 0)));
            v >>= 7;
        } while (v);
    }
    Pb& num(uint32_t field, uint64_t v) {
        raw_varint(uint64_t{field} << 3);
        raw_varint(v);
        return *this;
    }
    Pb& str(uint32_t field, std::string_view s) {
        raw_varint(uint64_t{field} << 3 | 2);
        raw_varint(s.size());
        out.append(s);
        return *this;
    }
    Pb& msg(uint32_t field, const Pb& m) { return str(field, m.out); }
    Pb& f32(uint32_t field, float f) {
        raw_varint(uint64_t{field} << 3 | 5);
        char b[4];
        std::memcpy(b, &f, 4);
        out.append(b, 4);
        return *this;
    }
    Pb& packed(uint32_t field, const std::vector<int64_t>& v) {
        Pb p;
        for (int64_t x : v)
            p.raw_varint(static_cast<uint64_t>(x));
        return str(field, p.out);
    }
};

Pb ints_attr(const char* name, std::vector<int64_t> v) {
    return Pb().str(1, name).packed(8, v).num(20, 7);  // type INTS
}
Pb int_attr(const char* name, int64_t v) {
    return Pb().str(1, name).num(3, v).num(20, 2);
}
Pb str_attr(const char* name, const char* v) {
    return Pb().str(1, name).str(4, v).num(20, 3);
}

Pb node(const char* op, std::vector<std::string> in, const char* out, std::vector<Pb> attrs = {}) {
    Pb n;
    for (const auto& i : in)
        n.str(1, i);
    n.str(2, out).str(3, std::string(op) + ":" + out).str(4, op);
    for (const Pb& a : attrs)
        n.msg(5, a);
    return n;
}

Pb tensor(const char* name, std::vector<int64_t> dims, const std::vector<float>& values) {
    Pb t;
    t.packed(1, dims).num(2, 1).str(8, name);
    return t.str(9, std::string_view(reinterpret_cast<const char*>(values.data()),
                                     values.size() * sizeof(float)));
}

std::vector<float> random_values(size_t n, uint32_t seed, float scale) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(-scale, scale);
    std::vector<float> v(n);
    for (float& x : v)
        x = u(rng);
    return v;
}

Pb value_info(const char* name, std::vector<int64_t> dims) {
    Pb shape;
    for (int64_t d : dims)
        shape.msg(1, Pb().num(1, static_cast<uint64_t>(d)));
    Pb tensor_type = Pb().num(1, 1).msg(2, shape);
    return Pb().str(1, name).msg(2, Pb().msg(1, tensor_type));
}

// Every operator DnnlNet runs, on a 3-channel 16 x 16 input: a strided convolution fused with
// its Swish, whose result is both given back and read on, a 1x1 convolution and a residual Add,
// SPPF's max pool, a channel Concat, nearest 2x upsampling and a convolution with asymmetric
// padding fused with its Swish, given back through Identity. Two outputs, of different sizes.
std::string test_model(std::vector<Pb> extra_nodes = {}) {
    Pb g;
    g.msg(1, node("Conv", {"x", "w1", "b1"}, "c1",
                  {ints_attr("kernel_shape", {3, 3}), ints_attr("strides", {2, 2}),
                   ints_attr("pads", {1, 1, 1, 1}), ints_attr("dilations", {1, 1}),
                   int_attr("group", 1)}));
    g.msg(1, node("Swish", {"c1"}, "a1"));
    g.msg(1, node("Conv", {"a1", "w2", "b2"}, "c2", {ints_attr("kernel_shape", {1, 1})}));
    g.msg(1, node("Add", {"a1", "c2"}, "r"));
    g.msg(1, node("MaxPool", {"r"}, "m",
                  {ints_attr("kernel_shape", {5, 5}), ints_attr("pads", {2, 2, 2, 2}),
                   ints_attr("strides", {1, 1})}));
    g.msg(1, node("Concat", {"r", "m"}, "k", {int_attr("axis", 1)}));
    g.msg(1, node("Resize", {"k", "roi", "scales"}, "u",
                  {str_attr("coordinate_transformation_mode", "asymmetric"),
                   str_attr("mode", "nearest"), str_attr("nearest_mode", "floor")}));
    g.msg(1, node("Conv", {"u", "w3", "b3"}, "c3",
                  {ints_attr("kernel_shape", {3, 3}), ints_attr("pads", {1, 0, 1, 2})}));
    g.msg(1, node("Swish", {"c3"}, "s3"));
    g.msg(1, node("Identity", {"s3"}, "out"));
    for (const Pb& n : extra_nodes)
        g.msg(1, n);
    g.str(2, "test");
    g.msg(5, tensor("w1", {8, 3, 3, 3}, random_values(8 * 3 * 9, 1, 0.5f)));
    g.msg(5, tensor("b1", {8}, random_values(8, 2, 0.1f)));
    g.msg(5, tensor("w2", {8, 8, 1, 1}, random_values(64, 3, 0.5f)));
    g.msg(5, tensor("b2", {8}, random_values(8, 4, 0.1f)));
    g.msg(5, tensor("w3", {6, 16, 3, 3}, random_values(6 * 16 * 9, 5, 0.3f)));
    g.msg(5, tensor("b3", {6}, random_values(6, 6, 0.1f)));
    g.msg(5, tensor("roi", {0}, {}));
    g.msg(5, tensor("scales", {4}, {1, 1, 2, 2}));
    g.msg(11, value_info("x", {1, 3, 16, 16}));
    g.msg(12, value_info("out", {1, 6, 16, 16}));
    g.msg(12, value_info("a1", {1, 8, 8, 8}));
    Pb model;
    model.num(1, 7).str(2, "fogbank-test").msg(7, g).msg(8, Pb().str(1, "").num(2, 13));
    return model.out;
}

cv::Mat test_input(int h = 16, int w = 16) {
    int dims[] = {1, 3, h, w};
    cv::Mat blob(4, dims, CV_32F);
    std::vector<float> v = random_values(blob.total(), 7, 1.0f);
    std::memcpy(blob.data, v.data(), v.size() * sizeof(float));
    return blob;
}

// The largest difference between two outputs, over the largest magnitude in `want`.
double relative_error(const cv::Mat& got, const cv::Mat& want) {
    EXPECT_EQ(got.total(), want.total());
    double diff = 0, mag = 1e-6;
    const float* g = got.ptr<float>();
    const float* w = want.ptr<float>();
    for (size_t i = 0; i < std::min(got.total(), want.total()); ++i) {
        diff = std::max(diff, static_cast<double>(std::abs(g[i] - w[i])));
        mag = std::max(mag, static_cast<double>(std::abs(w[i])));
    }
    return diff / mag;
}

std::vector<cv::Mat> opencv_outputs(const std::string& model, const cv::Mat& blob) {
    cv::dnn::Net net = cv::dnn::readNetFromONNX(model.data(), model.size());
    net.setInput(blob);
    std::vector<cv::Mat> outs;
    net.forward(outs, std::vector<cv::String>{"out", "a1"});
    return outs;
}

}  // namespace

TEST(ProtobufReader, ReadsEachWireType) {
    Pb p;
    p.num(1, 300).str(2, "hi").f32(3, 1.5f);
    p.raw_varint(uint64_t{4} << 3 | 1);  // fixed64
    p.out.append("\x01\x00\x00\x00\x00\x00\x00\x80", 8);
    ProtobufReader r(p.out);
    ProtobufReader::Field f;
    ASSERT_TRUE(r.next(f));
    EXPECT_EQ(f.number, 1u);
    EXPECT_EQ(f.value, 300u);
    ASSERT_TRUE(r.next(f));
    EXPECT_EQ(f.bytes, "hi");
    ASSERT_TRUE(r.next(f));
    EXPECT_EQ(fogbank::float_of(f), 1.5f);
    ASSERT_TRUE(r.next(f));
    EXPECT_EQ(f.type, ProtobufReader::WireType::fixed64);
    EXPECT_EQ(f.value, 0x8000000000000001u);
    EXPECT_FALSE(r.next(f));
}

TEST(ProtobufReader, ReadsPackedAndUnpackedLists) {
    Pb p;
    p.packed(1, {1, 300, 5}).num(1, 7);
    std::vector<float> fl = {0.25f, -2.0f};
    p.str(2, std::string_view(reinterpret_cast<const char*>(fl.data()), 8)).f32(2, 9.0f);
    ProtobufReader r(p.out);
    ProtobufReader::Field f;
    std::vector<int64_t> ints;
    std::vector<float> floats;
    while (r.next(f))
        (f.number == 1 ? (void)append_varints(f, ints) : append_floats(f, floats));
    EXPECT_EQ(ints, (std::vector<int64_t>{1, 300, 5, 7}));
    EXPECT_EQ(floats, (std::vector<float>{0.25f, -2.0f, 9.0f}));
}

TEST(ProtobufReader, RefusesMalformedFields) {
    auto refuses = [](std::string bytes) {
        ProtobufReader r(bytes);
        ProtobufReader::Field f;
        EXPECT_THROW(while (r.next(f)){}, ProtobufError) << testing::PrintToString(bytes);
    };
    refuses("\x08");                                              // a varint cut short
    refuses("\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01");  // longer than 10 bytes
    refuses(
        "\x12\x05"
        "abc");                           // a length past the end
    refuses(std::string("\x00\x01", 2));  // field number 0
    refuses("\x0b");                      // a group
    refuses("\x0d\x01\x02");              // fixed32 cut short
    ProtobufReader::Field odd{1, ProtobufReader::WireType::bytes, 0, "abcde"};
    std::vector<float> floats;
    EXPECT_THROW(append_floats(odd, floats), ProtobufError);
    ProtobufReader::Field cut{1, ProtobufReader::WireType::bytes, 0, "\x80"};
    std::vector<int64_t> ints;
    EXPECT_THROW(append_varints(cut, ints), ProtobufError);
}

TEST(OnnxGraph, ReadsNodesAttributesAndWeights) {
    OnnxGraph g = read_onnx_graph(test_model());
    ASSERT_EQ(g.nodes.size(), 10u);
    EXPECT_EQ(g.nodes[0].op_type, "Conv");
    EXPECT_EQ(g.nodes[0].inputs, (std::vector<std::string>{"x", "w1", "b1"}));
    ASSERT_NE(g.nodes[0].attribute("pads"), nullptr);
    EXPECT_EQ(g.nodes[0].attribute("pads")->ints, (std::vector<int64_t>{1, 1, 1, 1}));
    EXPECT_EQ(g.nodes[0].attribute("group")->i, 1);
    EXPECT_EQ(g.nodes[6].attribute("mode")->s, "nearest");
    EXPECT_EQ(g.nodes[0].attribute("absent"), nullptr);
    ASSERT_EQ(g.initializers.size(), 8u);
    EXPECT_EQ(g.initializers[0].dims, (std::vector<int64_t>{8, 3, 3, 3}));
    EXPECT_EQ(g.initializers[0].values, random_values(8 * 3 * 9, 1, 0.5f));
    EXPECT_EQ(g.initializers[7].values, (std::vector<float>{1, 1, 2, 2}));
    EXPECT_EQ(g.inputs, (std::vector<std::string>{"x"}));
    EXPECT_EQ(g.outputs, (std::vector<std::string>{"out", "a1"}));
}

TEST(OnnxGraph, RefusesWhatItDoesNotRead) {
    auto model_with = [](const Pb& graph) { return Pb().num(1, 7).msg(7, graph).out; };
    EXPECT_THROW(read_onnx_graph(Pb().num(1, 7).out), ProtobufError);  // no graph
    EXPECT_THROW(read_onnx_graph(Pb().msg(7, Pb()).msg(7, Pb()).out), ProtobufError);
    // An int64 initializer, raw data unlike the dims, data kept outside the file, too many dims.
    EXPECT_THROW(read_onnx_graph(model_with(Pb().msg(5, Pb().packed(1, {2}).num(2, 7)))),
                 ProtobufError);
    EXPECT_THROW(read_onnx_graph(model_with(Pb().msg(5, tensor("t", {3}, {1, 2})))), ProtobufError);
    EXPECT_THROW(read_onnx_graph(model_with(Pb().msg(5, Pb().str(8, "t").msg(13, Pb())))),
                 ProtobufError);
    EXPECT_THROW(
        read_onnx_graph(model_with(Pb().msg(5, tensor("t", {1, 1, 1, 1, 1, 1, 1, 1, 1}, {1})))),
        ProtobufError);
    // A dimension whose product overflows the element cap.
    EXPECT_THROW(read_onnx_graph(model_with(Pb().msg(5, Pb().packed(1, {1 << 20, 1 << 20})))),
                 ProtobufError);
    // A node holding a subgraph (If, Loop).
    EXPECT_THROW(read_onnx_graph(model_with(Pb().msg(
                     1, Pb().str(4, "If").msg(5, Pb().str(1, "then_branch").msg(6, Pb()))))),
                 ProtobufError);
    // A string where a message belongs.
    EXPECT_THROW(read_onnx_graph(model_with(Pb().num(1, 5))), ProtobufError);
    EXPECT_THROW(read_onnx_graph(test_model().substr(0, 200)), ProtobufError);
}

TEST(DnnlNet, MatchesOpenCvInFloat) {
    std::string model = test_model();
    DnnlNet net(read_onnx_graph(model), DnnlNet::Precision::f32);
    cv::Mat blob = test_input();
    std::vector<cv::Mat> got = net.run(blob);
    std::vector<cv::Mat> want = opencv_outputs(model, blob);
    ASSERT_EQ(got.size(), 2u);
    ASSERT_EQ(got[0].dims, 4);
    EXPECT_EQ(std::vector<int>(got[0].size.p, got[0].size.p + 4), (std::vector<int>{1, 6, 16, 16}));
    EXPECT_EQ(std::vector<int>(got[1].size.p, got[1].size.p + 4), (std::vector<int>{1, 8, 8, 8}));
    EXPECT_LT(relative_error(got[0], want[0]), 1e-5);
    EXPECT_LT(relative_error(got[1], want[1]), 1e-5);
    // The same bytes again, and a second plan for another input size beside the first.
    std::vector<cv::Mat> again = net.run(blob);
    EXPECT_EQ(std::memcmp(again[0].data, got[0].data, got[0].total() * 4), 0);
    cv::Mat wide = test_input(32, 48);
    EXPECT_LT(relative_error(net.run(wide)[0], opencv_outputs(model, wide)[0]), 1e-5);
    EXPECT_FALSE(net.implementation().empty());
}

TEST(DnnlNet, MatchesOpenCvInBfloat16ToItsPrecision) {
    // Chosen only where the CPU computes it (oneDNN may have no bfloat16 kernels elsewhere).
    if (DnnlNet::native_precision() != DnnlNet::Precision::bf16)
        GTEST_SKIP() << "this CPU has neither AMX nor AVX512-BF16";
    std::string model = test_model();
    DnnlNet net(read_onnx_graph(model), DnnlNet::Precision::bf16);
    cv::Mat blob = test_input();
    std::vector<cv::Mat> got = net.run(blob);
    std::vector<cv::Mat> want = opencv_outputs(model, blob);
    // bfloat16 keeps 8 bits of mantissa: a few parts in a thousand per rounding, through four
    // layers.
    EXPECT_LT(relative_error(got[0], want[0]), 3e-2);
    EXPECT_LT(relative_error(got[1], want[1]), 3e-2);
    EXPECT_GT(relative_error(got[0], want[0]), 0.0);  // it did not run in float
}

TEST(DnnlNet, RefusesWhatItDoesNotRun) {
    auto build = [](std::vector<Pb> extra) {
        DnnlNet net(read_onnx_graph(test_model(std::move(extra))), DnnlNet::Precision::f32);
        return net.run(test_input());
    };
    // An operator it does not run, an input never defined, a value defined twice.
    EXPECT_THROW(build({node("Relu", {"out"}, "z")}), std::runtime_error);
    EXPECT_THROW(build({node("Add", {"out", "nowhere"}, "z")}), std::runtime_error);
    EXPECT_THROW(build({node("Identity", {"out"}, "a1")}), std::runtime_error);
    // Attributes it does not run, found when the first input is planned.
    EXPECT_THROW(build({node("Conv", {"out", "w3", "b3"}, "z",
                             {ints_attr("kernel_shape", {3, 3}), int_attr("group", 2)})}),
                 std::runtime_error);
    EXPECT_THROW(build({node("MaxPool", {"out"}, "z",
                             {ints_attr("kernel_shape", {2, 2}), int_attr("ceil_mode", 1)})}),
                 std::runtime_error);
    EXPECT_THROW(
        build({node("Resize", {"out", "roi", "scales"}, "z", {str_attr("mode", "linear")})}),
        std::runtime_error);
    EXPECT_THROW(build({node("Add", {"out", "a1"}, "z")}), std::runtime_error);  // broadcasting
    EXPECT_THROW(build({node("Concat", {"out", "a1"}, "z", {int_attr("axis", 1)})}),
                 std::runtime_error);
    // A blob it does not take: the wrong channels, the wrong rank.
    DnnlNet net(read_onnx_graph(test_model()), DnnlNet::Precision::f32);
    int four[] = {1, 4, 16, 16};
    EXPECT_THROW(net.run(cv::Mat(4, four, CV_32F, cv::Scalar(0))), std::runtime_error);
    EXPECT_THROW(net.run(cv::Mat(16, 16, CV_32F, cv::Scalar(0))), std::runtime_error);
    // After refusing, it still runs what it takes.
    EXPECT_EQ(net.run(test_input()).size(), 2u);
}
