"""TensorFlow.js graph model (model.json + shards) to ONNX, for the convolutional networks
fogbank runs with OpenCV's DNN module.

The TF.js graph is NHWC; the ONNX graph is NCHW throughout, so the input becomes [1, C, H, W]
and each output [1, C, H, W] (or [1, N] for a flat one). Shapes are tracked while converting so
that TensorFlow's SAME padding becomes explicit pads and broadcast constants get the right
layout. Only the operators these networks use are mapped; anything else is an error naming the
node, so a new model fails loudly at fetch time rather than at inference.

The graph is cut at the requested outputs: post-processing that the TF.js graph does with
TopK/Gather or YOLOv5's anchor decoding is done by fogbank in C++ instead.
"""

import base64
import json
import os

import numpy as np

from . import tfjs_weights
from .onnx_builder import Builder, conv_out, same_pads


def _attr(node, key, default=None):
    value = node.get("attr", {}).get(key)
    if value is None:
        return default
    if "s" in value:
        return base64.b64decode(value["s"]).decode()
    if "list" in value:
        lst = value["list"]
        if "s" in lst:
            return [base64.b64decode(s).decode() for s in lst["s"]]
        if "i" in lst:
            return [int(i) for i in lst["i"]]
        return []
    if "i" in value:
        return int(value["i"])
    if "f" in value:
        return float(value["f"])
    if "b" in value:
        return bool(value["b"])
    return default


class _Converter:
    def __init__(self, topology, weights, name):
        self.nodes = {n["name"]: n for n in topology["node"]}
        self.weights = weights
        self.b = Builder(name)
        self.done = {}  # TF tensor name -> (onnx name, NHWC shape) or ("const", ndarray)

    def const(self, name):
        name = name.split(":")[0]
        if name in self.weights:
            return self.weights[name]
        node = self.nodes[name]
        if node["op"] == "Identity":
            return self.const(node["input"][0])
        raise ValueError(f"{name}: not a constant")

    def is_const(self, name):
        name = name.split(":")[0]
        if name in self.weights:
            return True
        node = self.nodes.get(name)
        return node is not None and node["op"] == "Identity" and self.is_const(node["input"][0])

    def tensor(self, name):
        name = name.split(":")[0]
        if name not in self.done:
            self.done[name] = self.convert(self.nodes[name])
        return self.done[name]

    def to_nchw_const(self, value, rank):
        """A constant broadcast against an NHWC tensor, re-laid for NCHW."""
        value = np.asarray(value, np.float32)
        if value.ndim == 0 or value.size == 1:
            return value.reshape([])
        if value.ndim == 1:  # per channel
            return value.reshape([-1] + [1] * (rank - 2))
        if value.ndim == 4:
            return value.transpose(0, 3, 1, 2)
        raise ValueError(f"constant of shape {value.shape} cannot be re-laid")

    def fused_tail(self, node, x, shape):
        ops = _attr(node, "fused_ops", [])
        for op in ops[1:]:
            if op == "Relu":
                x = self.b.node("Relu", [x])
            elif op == "Relu6":
                x = self.b.clip(x, 0, 6)
            elif op == "Prelu":
                alpha = self.to_nchw_const(self.const(node["input"][3]), 4)
                x = self.b.node("PRelu", [x, self.b.const(alpha, "alpha")])
            else:
                raise ValueError(f"{node['name']}: fused op {op} not supported")
        return x, shape

    def explicit_pads(self, name):
        """A zero Pad of H and W that feeds a VALID convolution (how YOLOv5's TF export writes
        a strided convolution) is folded into the convolution's own pads: (t, l, b, r), or None
        when `name` is not such a Pad."""
        node = self.nodes.get(name.split(":")[0])
        if node is None or node["op"] != "Pad":
            return None
        pads = np.asarray(self.const(node["input"][1])).reshape(4, 2)
        if pads[0].any() or pads[3].any():
            raise ValueError(f"{node['name']}: only spatial padding is supported")
        return node["input"][0], (int(pads[1][0]), int(pads[2][0]), int(pads[1][1]),
                                  int(pads[2][1]))

    def swish_input(self, node):
        """x * sigmoid(x) (YOLOv5's SiLU): the name of x, or None. Written as OpenCV's own Swish
        layer, which OpenCV fuses into the convolution before it as it fuses a ReLU, instead of
        two more passes over every activation map (a quarter of the forward pass)."""
        a, b = (name.split(":")[0] for name in node["input"][:2])
        for x, s in ((a, b), (b, a)):
            sig = self.nodes.get(s)
            if sig is not None and sig["op"] == "Sigmoid" and sig["input"][0].split(":")[0] == x:
                return x
        return None

    def conv(self, node, depthwise):
        folded = self.explicit_pads(node["input"][0])
        x, shape = self.tensor(folded[0] if folded else node["input"][0])
        if folded:  # the shape the convolution sees is the padded one
            t, l, b, r = folded[1]
            shape = [shape[0], shape[1] + t + b, shape[2] + l + r, shape[3]]
        w = self.const(node["input"][1])  # HWIO, or HW(in)(multiplier) for depthwise
        bias = None
        fused = _attr(node, "fused_ops", [])
        if fused:
            if fused[0] != "BiasAdd":
                raise ValueError(f"{node['name']}: fused {fused} not supported")
            bias = self.const(node["input"][2])
        strides = _attr(node, "strides", [1, 1, 1, 1])
        dil = _attr(node, "dilations", [1, 1, 1, 1])
        stride, dilation = strides[1], dil[1]
        kh, kw = w.shape[0], w.shape[1]
        _, h, wd, c = shape
        padding = _attr(node, "padding")
        if padding == "SAME" and folded:
            raise ValueError(f"{node['name']}: a Pad before a SAME convolution is not supported")
        if padding == "SAME":
            pt, pb = same_pads(h, kh, stride, dilation)
            pl, pr = same_pads(wd, kw, stride, dilation)
        elif padding == "VALID":
            pt = pb = pl = pr = 0
            if folded:
                pt, pl, pb, pr = folded[1]
                h, wd = h - pt - pb, wd - pl - pr
        else:
            raise ValueError(f"{node['name']}: padding {padding} not supported")
        if depthwise:
            weight = w.transpose(2, 3, 0, 1).reshape(w.shape[2] * w.shape[3], 1, kh, kw)
            group, out_c = w.shape[2], w.shape[2] * w.shape[3]
        else:
            weight = w.transpose(3, 2, 0, 1)
            group, out_c = 1, w.shape[3]
        y = self.b.conv(x, weight, bias, stride, (pt, pl, pb, pr), group, dilation,
                        hint=node["name"].replace("/", "_"))
        out_shape = [1, conv_out(h, kh, stride, pt, pb, dilation),
                     conv_out(wd, kw, stride, pl, pr, dilation), out_c]
        return self.fused_tail(node, y, out_shape)

    def binary(self, node, op):
        a_name, b_name = node["input"][:2]
        if self.is_const(a_name) and self.is_const(b_name):
            raise ValueError(f"{node['name']}: constant folding not supported")
        if self.is_const(a_name):
            x, shape = self.tensor(b_name)
            c = self.b.const(self.to_nchw_const(self.const(a_name), len(shape)))
            return self.b.node(op, [c, x]), shape
        x, shape = self.tensor(a_name)
        if self.is_const(b_name):
            c = self.b.const(self.to_nchw_const(self.const(b_name), len(shape)))
            return self.b.node(op, [x, c]), shape
        y, yshape = self.tensor(b_name)
        out = [max(p, q) for p, q in zip(shape, yshape)]
        return self.b.node(op, [x, y]), out

    def convert(self, node):
        op = node["op"]
        inputs = node.get("input", [])
        if op in ("Conv2D", "_FusedConv2D"):
            return self.conv(node, depthwise=False)
        if op in ("DepthwiseConv2dNative", "FusedDepthwiseConv2dNative"):
            return self.conv(node, depthwise=True)
        if op in ("Add", "AddV2", "BiasAdd"):
            return self.binary(node, "Add")
        if op == "Sub":
            return self.binary(node, "Sub")
        if op == "Mul":
            swish = self.swish_input(node)
            if swish is not None:
                x, shape = self.tensor(swish)
                return self.b.node("Swish", [x]), shape
            return self.binary(node, "Mul")
        if op in ("Relu", "Sigmoid", "Identity", "Tanh"):
            x, shape = self.tensor(inputs[0])
            return self.b.node(op, [x]), shape
        if op == "Relu6":
            x, shape = self.tensor(inputs[0])
            return self.b.clip(x, 0, 6), shape
        if op == "Mean":
            x, shape = self.tensor(inputs[0])
            axes = sorted(int(a) for a in np.atleast_1d(self.const(inputs[1])))
            if axes != [1, 2]:
                raise ValueError(f"{node['name']}: Mean over {axes} not supported")
            y = self.b.node("GlobalAveragePool", [x])
            if _attr(node, "keep_dims", False):
                return y, [shape[0], 1, 1, shape[3]]
            return self.b.node("Flatten", [y], axis=1), [shape[0], shape[3]]
        if op in ("Minimum", "Maximum"):
            # clip_by_value against a scalar constant: Clip with one bound.
            x, shape = self.tensor(inputs[0])
            bound = float(np.asarray(self.const(inputs[1])).reshape(-1)[0])
            big = float(np.finfo(np.float32).max)
            lo, hi = (-big, bound) if op == "Minimum" else (bound, big)
            return self.b.clip(x, lo, hi), shape
        if op == "_FusedMatMul":
            x, shape = self.tensor(inputs[0])
            if _attr(node, "transpose_a", False) or len(shape) != 2:
                raise ValueError(f"{node['name']}: only [1, K] x [K, N] is supported")
            w = np.asarray(self.const(inputs[1]), np.float32)
            if _attr(node, "transpose_b", False):
                w = w.T
            fused = _attr(node, "fused_ops", [])
            # B given as [N, K] with transB: the only layout OpenCV's Gemm import accepts.
            gemm_in = [x, self.b.const(np.ascontiguousarray(w.T), "matmul_w")]
            if fused and fused[0] == "BiasAdd":
                gemm_in.append(self.b.const(np.asarray(self.const(inputs[2]), np.float32), "matmul_b"))
            y = self.b.node("Gemm", gemm_in, transB=1)
            for extra in fused[1:]:
                if extra != "Relu":
                    raise ValueError(f"{node['name']}: fused op {extra} not supported")
                y = self.b.node("Relu", [y])
            return y, [shape[0], w.shape[1]]
        if op == "Softmax":
            x, shape = self.tensor(inputs[0])
            return self.b.node("Softmax", [x], axis=len(shape) - 1), shape
        if op == "ConcatV2":
            axis = int(self.const(inputs[-1]))
            parts = [self.tensor(i) for i in inputs[:-1]]
            rank = len(parts[0][1])
            axis = axis % rank
            onnx_axis = {0: 0, 1: 2, 2: 3, 3: 1}[axis] if rank == 4 else axis
            shape = list(parts[0][1])
            shape[axis] = sum(p[1][axis] for p in parts)
            return self.b.node("Concat", [p[0] for p in parts], axis=onnx_axis), shape
        if op == "ResizeBilinear":
            if _attr(node, "align_corners", False) or _attr(node, "half_pixel_centers", False):
                raise ValueError(f"{node['name']}: only asymmetric resize is supported")
            x, shape = self.tensor(inputs[0])
            size = [int(s) for s in self.const(inputs[1])]
            scales = np.array([1, 1, size[0] / shape[1], size[1] / shape[2]], np.float32)
            roi = self.b.const(np.zeros([0], np.float32), "roi")
            y = self.b.node("Resize", [x, roi, self.b.const(scales, "scales")], mode="linear",
                            coordinate_transformation_mode="asymmetric")
            return y, [shape[0], size[0], size[1], shape[3]]
        if op == "ResizeNearestNeighbor":
            # An integer upscale, where half-pixel and asymmetric nearest pick the same pixels.
            x, shape = self.tensor(inputs[0])
            size = [int(s) for s in self.const(inputs[1])]
            if size[0] % shape[1] or size[1] % shape[2] or _attr(node, "align_corners", False):
                raise ValueError(f"{node['name']}: only integer nearest upscaling is supported")
            scales = np.array([1, 1, size[0] / shape[1], size[1] / shape[2]], np.float32)
            roi = self.b.const(np.zeros([0], np.float32), "roi")
            y = self.b.node("Resize", [x, roi, self.b.const(scales, "scales")], mode="nearest",
                            coordinate_transformation_mode="asymmetric", nearest_mode="floor")
            return y, [shape[0], size[0], size[1], shape[3]]
        if op == "MaxPool" or op == "AvgPool":
            x, shape = self.tensor(inputs[0])
            k, s = _attr(node, "ksize")[1], _attr(node, "strides")[1]
            if _attr(node, "padding") == "SAME":
                pt, pb = same_pads(shape[1], k, s)
                pl, pr = same_pads(shape[2], k, s)
            else:
                pt = pb = pl = pr = 0
            onnx_op = "MaxPool" if op == "MaxPool" else "AveragePool"
            y = self.b.node(onnx_op, [x], kernel_shape=[k, k], strides=[s, s],
                            pads=[pt, pl, pb, pr])
            return y, [shape[0], conv_out(shape[1], k, s, pt, pb),
                       conv_out(shape[2], k, s, pl, pr), shape[3]]
        raise ValueError(f"{node['name']}: operator {op} not supported")


def convert(model_json_path, outputs, name=None):
    """Converts the TF.js graph model at `model_json_path`, cut at `outputs` (TF node names).
    Returns an onnx.ModelProto with input "input" [1, C, H, W] and outputs named after the
    last path component of each TF output."""
    with open(model_json_path) as f:
        model = json.load(f)
    directory = os.path.dirname(model_json_path)
    weights = tfjs_weights.load(model["weightsManifest"], directory)
    conv = _Converter(model["modelTopology"], weights, name or os.path.basename(model_json_path))
    placeholders = [n for n in model["modelTopology"]["node"] if n["op"] == "Placeholder"]
    if len(placeholders) != 1:
        raise ValueError("expected exactly one input")
    ph = placeholders[0]
    dims = [int(d["size"]) for d in ph["attr"]["shape"]["shape"]["dim"]]
    dims[0] = 1  # a batch of one, whatever the graph allowed
    conv.b.input("input", [dims[0], dims[3], dims[1], dims[2]])
    conv.done[ph["name"]] = ("input", dims)
    names = []
    for out in outputs:
        tensor, shape = conv.tensor(out)
        onnx_shape = [shape[0], shape[3], shape[1], shape[2]] if len(shape) == 4 else shape
        parts = out.split("/")
        name = parts[0] if len(shape) == 2 else parts[-1]
        if name in names or any(o != out and o.endswith("/" + name) for o in outputs):
            name = parts[-2]  # YOLOv5's three heads all end in BiasAdd: name them by their layer
        names.append(name)
        conv.b.output(tensor, name, onnx_shape)
    return conv.b.model()
