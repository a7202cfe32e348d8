#include "models/vision/onnx_graph.hpp"

#include <cstring>

namespace fogbank::vision {

namespace {

// Field numbers from onnx.proto (ModelProto, GraphProto, NodeProto, AttributeProto,
// TensorProto, ValueInfoProto).
constexpr uint32_t kModelGraph = 7;
constexpr uint32_t kGraphNode = 1, kGraphInitializer = 5, kGraphInput = 11, kGraphOutput = 12,
                   kGraphSparseInitializer = 15;
constexpr uint32_t kNodeInput = 1, kNodeOutput = 2, kNodeName = 3, kNodeOpType = 4,
                   kNodeAttribute = 5;
constexpr uint32_t kAttrName = 1, kAttrF = 2, kAttrI = 3, kAttrS = 4, kAttrG = 6, kAttrFloats = 7,
                   kAttrInts = 8, kAttrGraphs = 11;
constexpr uint32_t kTensorDims = 1, kTensorDataType = 2, kTensorFloatData = 4, kTensorName = 8,
                   kTensorRawData = 9, kTensorExternalData = 13, kTensorDataLocation = 14;
constexpr uint32_t kValueInfoName = 1;
constexpr int64_t kFloat = 1;

using Field = ProtobufReader::Field;

std::string text(const Field& f, const char* what) {
    if (f.type != ProtobufReader::WireType::bytes)
        throw ProtobufError(std::string(what) + " is not a string");
    if (f.bytes.size() > kOnnxMaxNameBytes)
        throw ProtobufError(std::string(what) + " is longer than " +
                            std::to_string(kOnnxMaxNameBytes) + " bytes");
    return std::string(f.bytes);
}

std::string_view message(const Field& f, const char* what) {
    if (f.type != ProtobufReader::WireType::bytes)
        throw ProtobufError(std::string(what) + " is not a message");
    return f.bytes;
}

void push_listed(std::vector<std::string>& list, std::string value, const char* what) {
    if (list.size() >= kOnnxMaxListed)
        throw ProtobufError(std::string("more than ") + std::to_string(kOnnxMaxListed) + " " +
                            what);
    list.push_back(std::move(value));
}

OnnxTensor tensor_of(std::string_view bytes) {
    OnnxTensor t;
    int64_t type = kFloat;
    std::string_view raw;
    bool has_raw = false;
    ProtobufReader r(bytes);
    Field f;
    while (r.next(f)) {
        switch (f.number) {
            case kTensorDims:
                append_varints(f, t.dims);
                if (t.dims.size() > kOnnxMaxDims)
                    throw ProtobufError("a tensor of more than " + std::to_string(kOnnxMaxDims) +
                                        " dimensions");
                break;
            case kTensorDataType:
                type = static_cast<int64_t>(f.value);
                break;
            case kTensorFloatData:
                append_floats(f, t.values);
                if (t.values.size() > static_cast<size_t>(kOnnxMaxElements))
                    throw ProtobufError("a tensor of too many values");
                break;
            case kTensorName:
                t.name = text(f, "a tensor's name");
                break;
            case kTensorRawData:
                raw = message(f, "a tensor's raw data");
                has_raw = true;
                break;
            case kTensorExternalData:
            case kTensorDataLocation:
                throw ProtobufError("tensor '" + t.name + "' keeps its data outside the file");
            default:
                break;
        }
    }
    if (type != kFloat)
        throw ProtobufError("tensor '" + t.name + "' is of ONNX type " + std::to_string(type) +
                            "; only float tensors are read");
    int64_t count = 1;
    for (int64_t d : t.dims) {
        if (d < 0 || d > kOnnxMaxElements || count * std::max<int64_t>(d, 1) > kOnnxMaxElements)
            throw ProtobufError("tensor '" + t.name + "' has a dimension out of range");
        count *= d;
    }
    if (has_raw) {
        if (!t.values.empty() || raw.size() != static_cast<size_t>(count) * 4)
            throw ProtobufError("tensor '" + t.name + "': its raw data is not its dims' size");
        t.values.resize(static_cast<size_t>(count));
        if (!raw.empty())  // little-endian, as on the host
            std::memcpy(t.values.data(), raw.data(), raw.size());
    } else if (t.values.size() != static_cast<size_t>(count)) {
        throw ProtobufError("tensor '" + t.name + "' holds a number of values unlike its dims");
    }
    return t;
}

OnnxAttribute attribute_of(std::string_view bytes) {
    OnnxAttribute a;
    ProtobufReader r(bytes);
    Field f;
    while (r.next(f)) {
        switch (f.number) {
            case kAttrName:
                a.name = text(f, "an attribute's name");
                break;
            case kAttrF:
                a.f = float_of(f);
                break;
            case kAttrI:
                a.i = static_cast<int64_t>(f.value);
                break;
            case kAttrS:
                a.s = text(f, "a string attribute");
                break;
            case kAttrFloats:
                append_floats(f, a.floats);
                break;
            case kAttrInts:
                append_varints(f, a.ints);
                break;
            case kAttrG:
            case kAttrGraphs:
                throw ProtobufError("a node holds a subgraph, which is not run");
            default:
                break;
        }
        if (a.ints.size() > kOnnxMaxListed || a.floats.size() > kOnnxMaxListed)
            throw ProtobufError("an attribute of more than " + std::to_string(kOnnxMaxListed) +
                                " values");
    }
    return a;
}

OnnxNode node_of(std::string_view bytes) {
    OnnxNode n;
    ProtobufReader r(bytes);
    Field f;
    while (r.next(f)) {
        switch (f.number) {
            case kNodeInput:
                push_listed(n.inputs, text(f, "an input"), "inputs");
                break;
            case kNodeOutput:
                push_listed(n.outputs, text(f, "an output"), "outputs");
                break;
            case kNodeName:
                n.name = text(f, "a node's name");
                break;
            case kNodeOpType:
                n.op_type = text(f, "an operator");
                break;
            case kNodeAttribute:
                if (n.attributes.size() >= kOnnxMaxListed)
                    throw ProtobufError("a node of too many attributes");
                n.attributes.push_back(attribute_of(message(f, "an attribute")));
                break;
            default:
                break;
        }
    }
    return n;
}

std::string value_name(std::string_view bytes) {
    ProtobufReader r(bytes);
    Field f;
    std::string name;
    while (r.next(f))
        if (f.number == kValueInfoName) name = text(f, "a value's name");
    return name;
}

OnnxGraph graph_of(std::string_view bytes) {
    OnnxGraph g;
    ProtobufReader r(bytes);
    Field f;
    while (r.next(f)) {
        switch (f.number) {
            case kGraphNode:
                if (g.nodes.size() >= kOnnxMaxNodes)
                    throw ProtobufError("a graph of more than " + std::to_string(kOnnxMaxNodes) +
                                        " nodes");
                g.nodes.push_back(node_of(message(f, "a node")));
                break;
            case kGraphInitializer:
                if (g.initializers.size() >= kOnnxMaxNodes)
                    throw ProtobufError("a graph of too many initializers");
                g.initializers.push_back(tensor_of(message(f, "an initializer")));
                break;
            case kGraphInput:
                push_listed(g.inputs, value_name(message(f, "an input")), "graph inputs");
                break;
            case kGraphOutput:
                push_listed(g.outputs, value_name(message(f, "an output")), "graph outputs");
                break;
            case kGraphSparseInitializer:
                throw ProtobufError("a sparse initializer");
            default:
                break;
        }
    }
    return g;
}

}  // namespace

const OnnxAttribute* OnnxNode::attribute(std::string_view wanted) const {
    for (const OnnxAttribute& a : attributes)
        if (a.name == wanted) return &a;
    return nullptr;
}

OnnxGraph read_onnx_graph(std::string_view model) {
    ProtobufReader r(model);
    Field f;
    bool found = false;
    OnnxGraph g;
    while (r.next(f)) {
        if (f.number != kModelGraph) continue;
        if (found) throw ProtobufError("a model of two graphs");
        g = graph_of(message(f, "the graph"));
        found = true;
    }
    if (!found) throw ProtobufError("no graph in the model");
    return g;
}

}  // namespace fogbank::vision
