"""TensorFlow.js layers model (a Keras model_config + weights manifest) to ONNX, NCHW, for the
classifiers fogbank runs with OpenCV's DNN module (nsfwjs's MobileNetV2).

Keras is NHWC; the ONNX graph is NCHW throughout (input [1, C, H, W]), with kernels transposed
to OIHW. Layers are converted in the order the config lists them (topological), each from its
inbound tensors; a ZeroPadding2D in front of a convolution becomes that convolution's pads.
Only the layer classes these networks use are mapped; anything else is an error naming the
layer, so a new model fails at fetch time rather than at inference. Dropout is inference's
identity.
"""

import numpy as np

from .onnx_builder import Builder, conv_out, same_pads


class _Tensor:
    def __init__(self, name, shape, pads=(0, 0, 0, 0)):
        self.name = name
        self.shape = shape  # NHWC, batch 1
        self.pads = pads  # (top, left, bottom, right) still to apply: a ZeroPadding2D's


def _activation(b, x, kind, layer):
    if kind in (None, "linear"):
        return x
    if kind == "relu":
        return b.node("Relu", [x], "relu")
    if kind == "relu6":
        return b.clip(x, 0, 6)
    if kind == "softmax":
        return b.node("Softmax", [x], "softmax", axis=1)
    raise ValueError(f"{layer}: activation {kind} not supported")


def _materialise(b, t):
    """A tensor with pads still pending, padded for a consumer that is not a convolution."""
    if not any(t.pads):
        return t.name
    top, left, bottom, right = t.pads
    pads = b.const(np.array([0, 0, top, left, 0, 0, bottom, right], np.int64), "pads")
    return b.node("Pad", [t.name, pads], "pad", mode="constant")


class _Converter:
    def __init__(self, weights, name):
        self.w = weights
        self.b = Builder(name)
        self.tensors = {}

    def weight(self, layer, name):
        key = f"{layer}/{name}"
        if key not in self.w:
            raise ValueError(f"{layer}: weight {key} missing")
        return self.w[key]

    def conv(self, name, cfg, x, depthwise):
        kh, kw = cfg["kernel_size"]
        sh, sw = cfg["strides"]
        if sh != sw or cfg.get("dilation_rate", [1, 1]) != [1, 1]:
            raise ValueError(f"{name}: only square strides without dilation are supported")
        n, h, w, c = x.shape
        if cfg["padding"] == "same":
            pt, pb = same_pads(h, kh, sh)
            pl, pr = same_pads(w, kw, sw)
        else:
            pt = pb = pl = pr = 0
        pt, pl, pb, pr = pt + x.pads[0], pl + x.pads[1], pb + x.pads[2], pr + x.pads[3]
        if depthwise:
            k = self.weight(name, "depthwise_kernel")  # [kh, kw, C, multiplier]
            out_c = c * k.shape[3]
            oihw = k.transpose(2, 3, 0, 1).reshape(out_c, 1, kh, kw)
            group = c
        else:
            k = self.weight(name, "kernel")  # [kh, kw, in, out]
            out_c = k.shape[3]
            oihw = k.transpose(3, 2, 0, 1)
            group = 1
        bias = self.weight(name, "bias") if cfg.get("use_bias") else None
        y = self.b.conv(x.name, oihw, bias, sh, (pt, pl, pb, pr), group=group, hint=name)
        y = _activation(self.b, y, cfg.get("activation"), name)
        return _Tensor(y, [n, conv_out(h, kh, sh, pt, pb), conv_out(w, kw, sw, pl, pr), out_c])

    def layer(self, layer):
        cls, cfg, name = layer["class_name"], layer["config"], layer["name"]
        inbound = [self.tensors[i[0]] for node in layer.get("inbound_nodes", []) for i in node]
        x = inbound[0] if inbound else None
        b = self.b
        if cls == "InputLayer":
            _, h, w, c = cfg["batch_input_shape"]
            return _Tensor(b.input("input", [1, c, h, w]), [1, h, w, c])
        if cls == "ZeroPadding2D":
            (top, bottom), (left, right) = cfg["padding"]
            p = x.pads
            n, h, w, c = x.shape
            return _Tensor(x.name, [n, h + top + bottom, w + left + right, c],
                           (p[0] + top, p[1] + left, p[2] + bottom, p[3] + right))
        if cls in ("Conv2D", "DepthwiseConv2D"):
            # The padded shape is the layer's input shape; the pads go into the convolution.
            unpadded = _Tensor(x.name, [x.shape[0], x.shape[1] - x.pads[0] - x.pads[2],
                                        x.shape[2] - x.pads[1] - x.pads[3], x.shape[3]], x.pads)
            return self.conv(name, cfg, unpadded, cls == "DepthwiseConv2D")
        xin = _materialise(b, x) if x is not None else None
        if cls == "BatchNormalization":
            if cfg.get("axis", -1) not in (-1, 3):
                raise ValueError(f"{name}: batch normalisation over axis {cfg['axis']}")
            c = x.shape[3]
            gamma = self.weight(name, "gamma") if cfg.get("scale", True) else np.ones(c)
            beta = self.weight(name, "beta") if cfg.get("center", True) else np.zeros(c)
            ins = [xin] + [b.const(v.astype(np.float32), f"{name}_{k}") for k, v in
                           [("gamma", gamma), ("beta", beta),
                            ("mean", self.weight(name, "moving_mean")),
                            ("var", self.weight(name, "moving_variance"))]]
            y = b.node("BatchNormalization", ins, name, epsilon=float(cfg["epsilon"]))
            return _Tensor(y, x.shape)
        if cls == "ReLU":
            if cfg.get("negative_slope", 0) or cfg.get("threshold", 0):
                raise ValueError(f"{name}: leaky or thresholded ReLU not supported")
            top = cfg.get("max_value")
            y = b.clip(xin, 0, top) if top is not None else b.node("Relu", [xin], name)
            return _Tensor(y, x.shape)
        if cls == "Activation":
            return _Tensor(_activation(b, xin, cfg["activation"], name), x.shape)
        if cls == "Add":
            names = [_materialise(b, t) for t in inbound]
            y = names[0]
            for other in names[1:]:
                y = b.node("Add", [y, other], name)
            return _Tensor(y, x.shape)
        if cls in ("AveragePooling2D", "MaxPooling2D"):
            kh, kw = cfg["pool_size"]
            sh, sw = cfg.get("strides") or cfg["pool_size"]
            n, h, w, c = x.shape
            if cfg["padding"] != "valid":
                raise ValueError(f"{name}: only valid pooling is supported")
            op = "AveragePool" if cls == "AveragePooling2D" else "MaxPool"
            y = b.node(op, [xin], name, kernel_shape=[kh, kw], strides=[sh, sw],
                       pads=[0, 0, 0, 0])
            return _Tensor(y, [n, conv_out(h, kh, sh, 0, 0), conv_out(w, kw, sw, 0, 0), c])
        if cls == "GlobalAveragePooling2D":
            y = b.node("GlobalAveragePool", [xin], name)
            y = b.node("Flatten", [y], name, axis=1)
            return _Tensor(y, [1, x.shape[3]])
        if cls == "Flatten":
            if len(x.shape) == 4 and x.shape[1] * x.shape[2] > 1:
                # Keras flattens in H, W, C order.
                xin = b.node("Transpose", [xin], name, perm=[0, 2, 3, 1])
            y = b.node("Flatten", [xin], name, axis=1)
            return _Tensor(y, [1, int(np.prod(x.shape[1:]))])
        if cls == "Dense":
            kernel = self.weight(name, "kernel")  # [in, out]
            # OpenCV's Gemm reads its weights as [out, in] (transB).
            ins = [xin, b.const(np.ascontiguousarray(kernel.T).astype(np.float32), f"{name}_w")]
            if cfg.get("use_bias", True):
                ins.append(b.const(self.weight(name, "bias").astype(np.float32), f"{name}_b"))
            y = b.node("Gemm", ins, name, transB=1)
            return _Tensor(_activation(b, y, cfg.get("activation"), name), [1, kernel.shape[1]])
        if cls == "Dropout":
            return x
        raise ValueError(f"{name}: layer {cls} not supported")


def convert(model_config, weights, name):
    """`model_config`: the topology's model_config ({class_name: Model, config: {...}});
    `weights`: {name: ndarray} (tfjs_weights.load). Returns an onnx.ModelProto with input
    "input" [1, C, H, W] and one output "probabilities" [1, classes]."""
    config = model_config["config"]
    conv = _Converter(weights, name)
    for layer in config["layers"]:
        conv.tensors[layer["name"]] = conv.layer(layer)
    outputs = config["output_layers"]
    if len(outputs) != 1:
        raise ValueError("expected one output layer")
    out = conv.tensors[outputs[0][0]]
    conv.b.output(out.name, "probabilities", out.shape)
    return conv.b.model()
