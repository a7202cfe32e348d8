#include "models/vision/dnnl_net.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>
#include <stdexcept>
#include <unordered_map>

namespace fogbank::vision {

using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

namespace {

// Distinct input shapes planned at most; a caller cycling through more rebuilds rather than
// holding a plan's buffers for each.
constexpr size_t kMaxPlans = 4;

const std::set<std::string, std::less<>> kOperators = {"Conv",    "Swish",  "Add",     "Concat",
                                                       "MaxPool", "Resize", "Identity"};

std::runtime_error refused(const OnnxNode& node, const std::string& why) {
    return std::runtime_error("node '" + node.name + "' (" + node.op_type + "): " + why);
}

std::vector<int64_t> ints_or(const OnnxNode& node, const char* name, std::vector<int64_t> dflt) {
    const OnnxAttribute* a = node.attribute(name);
    return a ? a->ints : dflt;
}

std::string string_or(const OnnxNode& node, const char* name, const char* dflt) {
    const OnnxAttribute* a = node.attribute(name);
    return a ? a->s : dflt;
}

// A 2-D window's attributes: kernel from the weights or the node, the rest from the node.
struct Window {
    memory::dims kernel, strides, dilation, pad_l, pad_r;
};

Window window_of(const OnnxNode& node, memory::dims kernel) {
    auto two = [&](const char* name, int64_t dflt, int64_t lo) {
        std::vector<int64_t> v = ints_or(node, name, {dflt, dflt});
        if (v.size() != 2 || v[0] < lo || v[1] < lo || v[0] > 64 || v[1] > 64)
            throw refused(node, std::string(name) + " must be two values of " + std::to_string(lo) +
                                    " to 64");
        return memory::dims{v[0], v[1]};
    };
    if (string_or(node, "auto_pad", "NOTSET") != "NOTSET")
        throw refused(node, "auto_pad is not run; pads must be explicit");
    std::vector<int64_t> pads = ints_or(node, "pads", {0, 0, 0, 0});
    if (pads.size() != 4 ||
        std::any_of(pads.begin(), pads.end(), [](int64_t p) { return p < 0 || p > 64; }))
        throw refused(node, "pads must be four values of 0 to 64");
    memory::dims dil = two("dilations", 1, 1);
    // ONNX counts dilation from 1, oneDNN from 0.
    return {kernel,
            two("strides", 1, 1),
            {dil[0] - 1, dil[1] - 1},
            {pads[0], pads[1]},
            {pads[2], pads[3]}};
}

memory::dim out_extent(memory::dim in, const Window& w, int axis) {
    memory::dim span = (w.kernel[axis] - 1) * (w.dilation[axis] + 1) + 1;
    return (in + w.pad_l[axis] + w.pad_r[axis] - span) / w.strides[axis] + 1;
}

}  // namespace

struct DnnlNet::Plan {
    struct Step {
        dnnl::primitive primitive;
        std::unordered_map<int, memory> args;
    };
    memory input;  // float NCHW, pointed at the caller's blob for each run
    std::vector<Step> steps;
    std::vector<memory> outputs;  // float NCHW
    std::vector<memory> weights;  // reordered once, kept for the steps
    std::string implementation;
};

DnnlNet::Precision DnnlNet::native_precision() {
    auto isa = dnnl::get_effective_cpu_isa();
    return isa == dnnl::cpu_isa::avx512_core_bf16 || isa == dnnl::cpu_isa::avx512_core_amx
               ? Precision::bf16
               : Precision::f32;
}

DnnlNet::DnnlNet(OnnxGraph graph, Precision precision)
    : graph_(std::move(graph)),
      precision_(precision),
      engine_(dnnl::engine::kind::cpu, 0),
      stream_(engine_) {
    // Everything a plan relies on that does not depend on the input's size is checked here.
    std::set<std::string, std::less<>> defined;
    for (const OnnxTensor& t : graph_.initializers)
        defined.insert(t.name);
    size_t free_inputs = 0;
    for (const std::string& in : graph_.inputs)
        if (defined.insert(in).second) ++free_inputs;
    if (free_inputs != 1) throw std::runtime_error("the graph must take exactly one input");
    for (const OnnxNode& node : graph_.nodes) {
        if (!kOperators.count(node.op_type)) throw refused(node, "this operator is not run");
        if (node.outputs.size() != 1) throw refused(node, "a node must have one output");
        if (node.inputs.empty()) throw refused(node, "a node must have an input");
        for (const std::string& in : node.inputs)
            if (!in.empty() && !defined.count(in))
                throw refused(node, "input '" + in + "' is not defined before it");
        if (!defined.insert(node.outputs[0]).second)
            throw refused(node, "output '" + node.outputs[0] + "' is defined twice");
    }
    if (graph_.outputs.empty()) throw std::runtime_error("the graph has no output");
    for (const std::string& out : graph_.outputs)
        if (!defined.count(out)) throw std::runtime_error("output '" + out + "' is not computed");
}

DnnlNet::~DnnlNet() = default;

std::string DnnlNet::implementation() const {
    std::lock_guard lock(mu_);
    return plans_.empty() ? std::string() : plans_.begin()->second->implementation;
}

DnnlNet::Plan& DnnlNet::plan_for(int channels, int height, int width) {
    std::array<int, 3> key{channels, height, width};
    if (auto it = plans_.find(key); it != plans_.end()) return *it->second;
    if (plans_.size() >= kMaxPlans) plans_.clear();

    const dt act = precision_ == Precision::bf16 ? dt::bf16 : dt::f32;
    std::unordered_map<std::string_view, const OnnxTensor*> initializers;
    for (const OnnxTensor& t : graph_.initializers)
        initializers[t.name] = &t;
    auto initializer = [&](const OnnxNode& node, size_t i) -> const OnnxTensor* {
        if (i >= node.inputs.size() || node.inputs[i].empty()) return nullptr;
        auto it = initializers.find(node.inputs[i]);
        if (it == initializers.end())
            throw refused(node, "input '" + node.inputs[i] + "' must be a constant");
        return it->second;
    };
    // How many nodes read each value, to fuse a convolution with the Swish that alone reads it.
    std::unordered_map<std::string_view, int> readers;
    for (const OnnxNode& node : graph_.nodes)
        for (const std::string& in : node.inputs)
            ++readers[in];
    for (const std::string& out : graph_.outputs)
        ++readers[out];
    // Values the graph gives back, directly or through Identity, and that no other node reads:
    // a convolution writes them in float (the detector's heads), where the others stay in the
    // activations' precision.
    std::set<std::string_view> results(graph_.outputs.begin(), graph_.outputs.end());
    for (auto it = graph_.nodes.rbegin(); it != graph_.nodes.rend(); ++it)
        if (it->op_type == "Identity" && results.count(it->outputs[0]))
            results.insert(it->inputs[0]);
    auto only_given_back = [&](std::string_view name) {
        if (!results.count(name)) return false;
        return std::none_of(graph_.nodes.begin(), graph_.nodes.end(), [&](const OnnxNode& n) {
            bool reads = std::find(n.inputs.begin(), n.inputs.end(), name) != n.inputs.end();
            return reads && !(n.op_type == "Identity" && results.count(n.outputs[0]));
        });
    };

    auto plan = std::make_unique<Plan>();
    std::unordered_map<std::string_view, memory> values;
    auto value = [&](const OnnxNode& node, size_t i) -> memory& {
        if (i >= node.inputs.size()) throw refused(node, "an input is missing");
        auto it = values.find(node.inputs[i]);
        if (it == values.end())
            throw refused(node, "input '" + node.inputs[i] + "' is not a computed value");
        return it->second;
    };
    auto dims_of = [](const memory& m) { return m.get_desc().dims(); };
    auto nhwc = [&](memory::dims d, dt type) { return memory::desc(d, type, tag::nhwc); };
    auto add_step = [&](dnnl::primitive p, std::unordered_map<int, memory> args) {
        plan->steps.push_back({std::move(p), std::move(args)});
    };

    const std::string* input_name = nullptr;
    for (const std::string& in : graph_.inputs)
        if (!initializers.count(in)) input_name = &in;
    memory::dims in_dims{1, channels, height, width};
    plan->input = memory({in_dims, dt::f32, tag::nchw}, engine_, DNNL_MEMORY_NONE);
    memory first(nhwc(in_dims, act), engine_);
    add_step(dnnl::reorder(plan->input, first),
             {{DNNL_ARG_FROM, plan->input}, {DNNL_ARG_TO, first}});
    values[*input_name] = first;

    std::set<const OnnxNode*> fused;
    for (size_t n = 0; n < graph_.nodes.size(); ++n) {
        const OnnxNode& node = graph_.nodes[n];
        if (fused.count(&node)) continue;
        const std::string& out = node.outputs[0];
        if (node.op_type == "Identity") {
            values[out] = value(node, 0);
        } else if (node.op_type == "Conv") {
            memory src = value(node, 0);
            memory::dims sd = dims_of(src);
            const OnnxTensor* w = initializer(node, 1);
            const OnnxTensor* b = initializer(node, 2);
            if (src.get_desc().data_type() != act)
                throw refused(node, "its input is a result kept in float");
            if (!w || w->dims.size() != 4 || w->dims[1] != sd[1] || w->dims[0] < 1)
                throw refused(node, "weights must be [out, in, kh, kw] for its input's channels");
            if (node.attribute("group") && node.attribute("group")->i != 1)
                throw refused(node, "grouped convolution is not run");
            if (b && (b->dims.size() != 1 || b->dims[0] != w->dims[0]))
                throw refused(node, "the bias must hold one value per output channel");
            Window win = window_of(node, {w->dims[2], w->dims[3]});
            memory::dims dd{1, w->dims[0], out_extent(sd[2], win, 0), out_extent(sd[3], win, 1)};
            if (dd[2] < 1 || dd[3] < 1) throw refused(node, "the input is smaller than its kernel");
            // Swish straight after, and nothing else reading the convolution: one primitive.
            const OnnxNode* swish = nullptr;
            if (n + 1 < graph_.nodes.size() && graph_.nodes[n + 1].op_type == "Swish" &&
                graph_.nodes[n + 1].inputs[0] == out && readers[out] == 1)
                swish = &graph_.nodes[n + 1];
            const std::string& result = swish ? swish->outputs[0] : out;
            memory::dims wd{w->dims[0], w->dims[1], w->dims[2], w->dims[3]};
            dt dst_type = only_given_back(result) ? dt::f32 : act;
            memory::desc bias_md({wd[0]}, dt::f32, tag::a);
            auto desc = dnnl::convolution_forward::desc(
                dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                nhwc(sd, act), memory::desc(wd, act, tag::any), bias_md, nhwc(dd, dst_type),
                win.strides, win.dilation, win.pad_l, win.pad_r);
            dnnl::primitive_attr attr;
            if (swish) {
                dnnl::post_ops ops;
                ops.append_eltwise(1.f, dnnl::algorithm::eltwise_swish, 1.f, 0.f);
                attr.set_post_ops(ops);
                fused.insert(swish);
            }
            dnnl::convolution_forward::primitive_desc pd(desc, attr, engine_);
            if (plan->implementation.empty()) plan->implementation = pd.impl_info_str();
            memory user_w({wd, dt::f32, tag::oihw}, engine_, const_cast<float*>(w->values.data()));
            memory wm(pd.weights_desc(), engine_);
            dnnl::reorder(user_w, wm).execute(stream_, user_w, wm);
            memory bias(bias_md, engine_);
            auto* bp = static_cast<float*>(bias.get_data_handle());
            if (b)
                std::copy(b->values.begin(), b->values.end(), bp);
            else
                std::fill(bp, bp + wd[0], 0.f);
            plan->weights.push_back(wm);
            plan->weights.push_back(bias);
            memory dst(pd.dst_desc(), engine_);
            add_step(dnnl::convolution_forward(pd), {{DNNL_ARG_SRC, src},
                                                     {DNNL_ARG_WEIGHTS, wm},
                                                     {DNNL_ARG_BIAS, bias},
                                                     {DNNL_ARG_DST, dst}});
            values[result] = dst;
        } else if (node.op_type == "Swish") {
            memory src = value(node, 0);
            auto desc = dnnl::eltwise_forward::desc(dnnl::prop_kind::forward_inference,
                                                    dnnl::algorithm::eltwise_swish, src.get_desc(),
                                                    1.f, 0.f);
            dnnl::eltwise_forward::primitive_desc pd(desc, engine_);
            memory dst(pd.dst_desc(), engine_);
            add_step(dnnl::eltwise_forward(pd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
            values[out] = dst;
        } else if (node.op_type == "Add") {
            if (node.inputs.size() != 2) throw refused(node, "Add takes two inputs");
            memory a = value(node, 0), b = value(node, 1);
            if (dims_of(a) != dims_of(b)) throw refused(node, "broadcasting is not run");
            memory::desc dst_md = nhwc(dims_of(a), act);
            auto desc =
                dnnl::binary::desc(dnnl::algorithm::binary_add, a.get_desc(), b.get_desc(), dst_md);
            dnnl::binary::primitive_desc pd(desc, engine_);
            memory dst(pd.dst_desc(), engine_);
            add_step(dnnl::binary(pd),
                     {{DNNL_ARG_SRC_0, a}, {DNNL_ARG_SRC_1, b}, {DNNL_ARG_DST, dst}});
            values[out] = dst;
        } else if (node.op_type == "Concat") {
            const OnnxAttribute* axis = node.attribute("axis");
            if (!axis || (axis->i != 1 && axis->i != -3))
                throw refused(node, "only channels are concatenated");
            std::vector<memory::desc> srcs;
            std::unordered_map<int, memory> args;
            memory::dims dd = dims_of(value(node, 0));
            dd[1] = 0;
            for (size_t i = 0; i < node.inputs.size(); ++i) {
                memory m = value(node, i);
                memory::dims d = dims_of(m);
                if (d[2] != dd[2] || d[3] != dd[3] || m.get_desc().data_type() != act)
                    throw refused(node, "its inputs differ in size");
                dd[1] += d[1];
                srcs.push_back(m.get_desc());
                args[DNNL_ARG_MULTIPLE_SRC + static_cast<int>(i)] = m;
            }
            dnnl::concat::primitive_desc pd(nhwc(dd, act), 1, srcs, engine_);
            memory dst(pd.dst_desc(), engine_);
            args[DNNL_ARG_DST] = dst;
            add_step(dnnl::concat(pd), std::move(args));
            values[out] = dst;
        } else if (node.op_type == "MaxPool") {
            memory src = value(node, 0);
            memory::dims sd = dims_of(src);
            std::vector<int64_t> k = ints_or(node, "kernel_shape", {});
            if (k.size() != 2 || k[0] < 1 || k[1] < 1 || k[0] > 64 || k[1] > 64)
                throw refused(node, "kernel_shape must be two values of 1 to 64");
            if (node.attribute("ceil_mode") && node.attribute("ceil_mode")->i != 0)
                throw refused(node, "ceil_mode is not run");
            Window win = window_of(node, {k[0], k[1]});
            if (win.dilation != memory::dims{0, 0}) throw refused(node, "dilation is not run");
            memory::dims dd{sd[0], sd[1], out_extent(sd[2], win, 0), out_extent(sd[3], win, 1)};
            if (dd[2] < 1 || dd[3] < 1) throw refused(node, "the input is smaller than its kernel");
            auto desc = dnnl::pooling_forward::desc(
                dnnl::prop_kind::forward_inference, dnnl::algorithm::pooling_max, src.get_desc(),
                nhwc(dd, act), win.strides, win.kernel, win.pad_l, win.pad_r);
            dnnl::pooling_forward::primitive_desc pd(desc, engine_);
            memory dst(pd.dst_desc(), engine_);
            add_step(dnnl::pooling_forward(pd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
            values[out] = dst;
        } else if (node.op_type == "Resize") {
            memory src = value(node, 0);
            memory::dims sd = dims_of(src);
            std::string mode = string_or(node, "mode", "nearest");
            std::string coords = string_or(node, "coordinate_transformation_mode", "half_pixel");
            std::string nearest = string_or(node, "nearest_mode", "round_prefer_floor");
            // With a whole factor both of these pick source pixel floor(x / factor), which is
            // what oneDNN's nearest resampling does.
            if (mode != "nearest" || !((coords == "asymmetric" && nearest == "floor") ||
                                       (coords == "half_pixel" && nearest == "round_prefer_floor")))
                throw refused(node,
                              "only nearest resizing, asymmetric/floor or "
                              "half_pixel/round_prefer_floor, is run");
            const OnnxTensor* scales = initializer(node, 2);
            if (!scales || scales->values.size() != 4 || scales->values[0] != 1 ||
                scales->values[1] != 1 || initializer(node, 3))
                throw refused(node, "it must resize by constant scales of height and width");
            std::vector<float> factors{scales->values[2], scales->values[3]};
            for (float f : factors)
                if (!(f >= 1 && f <= 16 && f == std::floor(f)))
                    throw refused(node, "scales must be whole factors of 1 to 16");
            memory::dims dd{sd[0], sd[1], sd[2] * static_cast<int64_t>(factors[0]),
                            sd[3] * static_cast<int64_t>(factors[1])};
            auto desc = dnnl::resampling_forward::desc(dnnl::prop_kind::forward_inference,
                                                       dnnl::algorithm::resampling_nearest, factors,
                                                       src.get_desc(), nhwc(dd, act));
            dnnl::resampling_forward::primitive_desc pd(desc, engine_);
            memory dst(pd.dst_desc(), engine_);
            add_step(dnnl::resampling_forward(pd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
            values[out] = dst;
        }
    }
    stream_.wait();  // the weights' reorders
    for (const std::string& name : graph_.outputs) {
        auto it = values.find(name);
        if (it == values.end()) throw std::runtime_error("output '" + name + "' is not computed");
        memory result({it->second.get_desc().dims(), dt::f32, tag::nchw}, engine_);
        add_step(dnnl::reorder(it->second, result),
                 {{DNNL_ARG_FROM, it->second}, {DNNL_ARG_TO, result}});
        plan->outputs.push_back(result);
    }
    return *plans_.emplace(key, std::move(plan)).first->second;
}

std::vector<cv::Mat> DnnlNet::run(const cv::Mat& blob) {
    if (blob.dims != 4 || blob.type() != CV_32F || !blob.isContinuous() || blob.size[0] != 1 ||
        blob.size[1] < 1 || blob.size[1] > 64 || blob.size[2] < 1 || blob.size[3] < 1 ||
        blob.size[2] > 4096 || blob.size[3] > 4096)
        throw std::runtime_error("a network input must be one float [1, C, H, W] image");
    std::lock_guard lock(mu_);
    Plan* plan;
    try {
        plan = &plan_for(blob.size[1], blob.size[2], blob.size[3]);
    } catch (const dnnl::error& e) {
        throw std::runtime_error(std::string("oneDNN cannot plan this network: ") + e.what());
    }
    plan->input.set_data_handle(const_cast<float*>(blob.ptr<float>()));
    for (Plan::Step& step : plan->steps)
        step.primitive.execute(stream_, step.args);
    stream_.wait();
    std::vector<cv::Mat> out;
    for (const memory& m : plan->outputs) {
        memory::dims d = m.get_desc().dims();
        std::vector<int> sizes(d.begin(), d.end());
        cv::Mat mat(static_cast<int>(sizes.size()), sizes.data(), CV_32F);
        std::memcpy(mat.data, m.get_data_handle(), mat.total() * sizeof(float));
        out.push_back(std::move(mat));
    }
    return out;
}

}  // namespace fogbank::vision
