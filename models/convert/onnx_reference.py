"""A plain numpy evaluator for the ONNX operators PaddleOCR's recognizer uses.

Two uses at fetch time: it computes every intermediate tensor of a graph for one fixed input
shape (so that shape arithmetic can be folded into constants OpenCV can import), and it is the
reference a rewritten graph is checked against. Written for clarity, not speed (~0.5 s per run
of the recogniser); an operator it does not know is an error naming it.
"""

import numpy as np
from onnx import helper, numpy_helper

_CAST = {1: np.float32, 6: np.int32, 7: np.int64, 9: np.bool_}


def _attrs(node):
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _conv(x, w, b, a):
    strides = a.get("strides", [1, 1])
    pads = a.get("pads", [0, 0, 0, 0])
    dil = a.get("dilations", [1, 1])
    groups = a.get("group", 1)
    x = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    n, _, h, wd = x.shape
    out_c, in_g, kh, kw = w.shape
    oh = (h - dil[0] * (kh - 1) - 1) // strides[0] + 1
    ow = (wd - dil[1] * (kw - 1) - 1) // strides[1] + 1
    out = np.zeros((n, out_c, oh, ow), np.float32)
    out_g = out_c // groups
    for g in range(groups):
        xs = x[:, g * in_g:(g + 1) * in_g]
        cols = np.empty((n, in_g, kh, kw, oh, ow), np.float32)
        for i in range(kh):
            for j in range(kw):
                cols[:, :, i, j] = xs[:, :, i * dil[0]:i * dil[0] + strides[0] * oh:strides[0],
                                      j * dil[1]:j * dil[1] + strides[1] * ow:strides[1]]
        wg = w[g * out_g:(g + 1) * out_g].reshape(out_g, -1)
        out[:, g * out_g:(g + 1) * out_g] = np.einsum(
            "ok,nkhw->nohw", wg, cols.reshape(n, in_g * kh * kw, oh, ow))
    if b is not None:
        out += b.reshape(1, -1, 1, 1)
    return out


def _average_pool(x, a):
    k = a["kernel_shape"]
    s = a.get("strides", k)
    if any(a.get("pads", [0, 0, 0, 0])):
        raise NotImplementedError("AveragePool with padding")
    n, c, h, w = x.shape
    oh, ow = (h - k[0]) // s[0] + 1, (w - k[1]) // s[1] + 1
    out = np.zeros((n, c, oh, ow), np.float32)
    for i in range(k[0]):
        for j in range(k[1]):
            out += x[:, :, i:i + s[0] * oh:s[0], j:j + s[1] * ow:s[1]]
    return out / (k[0] * k[1])


def _slice(inputs, a):
    x = inputs[0]
    if "starts" in a:  # opset < 10: attributes
        starts, ends = a["starts"], a["ends"]
        axes = a.get("axes", list(range(len(starts))))
        steps = [1] * len(starts)
    else:
        starts, ends = list(inputs[1]), list(inputs[2])
        axes = list(inputs[3]) if len(inputs) > 3 and inputs[3] is not None else list(
            range(len(starts)))
        steps = list(inputs[4]) if len(inputs) > 4 and inputs[4] is not None else [1] * len(
            starts)
    index = [slice(None)] * x.ndim
    for start, end, axis, step in zip(starts, ends, axes, steps):
        index[int(axis)] = slice(int(start), int(min(end, 2**62)), int(step))
    return x[tuple(index)]


def _reshape(x, shape):
    shape = [x.shape[i] if int(s) == 0 else int(s) for i, s in enumerate(shape)]
    return x.reshape(shape)


def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _clip(inputs, a):
    lo = inputs[1] if len(inputs) > 1 and inputs[1] is not None else a.get("min", -np.inf)
    hi = inputs[2] if len(inputs) > 2 and inputs[2] is not None else a.get("max", np.inf)
    return np.clip(inputs[0], lo, hi)


def _batch_norm(inputs, a):
    x, scale, bias, mean, var = inputs
    shape = (1, -1) + (1,) * (x.ndim - 2)
    return ((x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + a.get("epsilon", 1e-5)) *
            scale.reshape(shape) + bias.reshape(shape))


_OPS = {
    "Add": lambda i, a: i[0] + i[1],
    "Sub": lambda i, a: i[0] - i[1],
    "Mul": lambda i, a: i[0] * i[1],
    "Div": lambda i, a: i[0] / i[1],
    "Pow": lambda i, a: np.power(i[0], i[1]),
    "Sqrt": lambda i, a: np.sqrt(i[0]),
    "Relu": lambda i, a: np.maximum(i[0], 0),
    "Sigmoid": lambda i, a: 1 / (1 + np.exp(-i[0])),
    "HardSigmoid": lambda i, a: np.clip(a.get("alpha", 0.2) * i[0] + a.get("beta", 0.5), 0, 1),
    "Clip": _clip,
    "Conv": lambda i, a: _conv(i[0], i[1], i[2] if len(i) > 2 else None, a),
    "BatchNormalization": _batch_norm,
    "GlobalAveragePool": lambda i, a: i[0].mean(axis=(2, 3), keepdims=True),
    "AveragePool": lambda i, a: _average_pool(i[0], a),
    "Shape": lambda i, a: np.array(i[0].shape, np.int64),
    "Cast": lambda i, a: i[0].astype(_CAST[a["to"]]),
    "Slice": _slice,
    "Concat": lambda i, a: np.concatenate(i, axis=a["axis"]),
    "Squeeze": lambda i, a: np.squeeze(i[0], axis=tuple(a["axes"])),
    "Reshape": lambda i, a: _reshape(i[0], i[1]),
    "Transpose": lambda i, a: np.transpose(i[0], a["perm"]),
    "MatMul": lambda i, a: np.matmul(i[0], i[1]),
    "Softmax": lambda i, a: _softmax(i[0], a.get("axis", -1)),
    "ReduceMean": lambda i, a: i[0].mean(axis=tuple(a["axes"]),
                                          keepdims=bool(a.get("keepdims", 1))),
}


def run(model, feeds):
    """Every tensor of the graph, by name, for the given inputs."""
    values = {init.name: numpy_helper.to_array(init) for init in model.graph.initializer}
    values.update(feeds)
    for node in model.graph.node:
        a = _attrs(node)
        if node.op_type == "Constant":
            result = numpy_helper.to_array(a["value"])
        elif node.op_type in _OPS:
            result = _OPS[node.op_type]([values[i] if i else None for i in node.input], a)
        else:
            raise NotImplementedError(f"{node.name}: operator {node.op_type}")
        if isinstance(result, np.ndarray) and result.dtype == np.float64:
            result = result.astype(np.float32)
        values[node.output[0]] = result
    return values
