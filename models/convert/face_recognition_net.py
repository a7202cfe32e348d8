"""dlib's 128-d face descriptor network (a 29-layer ResNet) rebuilt as ONNX from the weights
that `@vladmandic/face-api` ships (model/face_recognition_model*). The package holds only the
weights; the architecture below follows its FaceRecognitionNet source, layer for layer:

  input 150x150 RGB, (x - mean) / 255
  convDown 7x7/2 (valid) -> maxPool 3/2 (valid)
  3 x residual(32), residualDown(64), 3 x residual(64), residualDown(128), 2 x residual(128),
  residualDown(256), 2 x residual(256), residualDown(256) -> spatial mean -> fc 256x128

Each conv layer is conv + bias followed by a per-channel scale (x * w + b); both are folded
into the convolution. A residualDown adds a 2x2/2 average pool of its input, zero-padded in
channels to the new width; where the strided conv comes out one pixel smaller than the pool
the conv's output is zero-padded at the bottom and right, as face-api does. The zero padding
is written as 1x1 convolutions (a channel-identity matrix, or a depthwise identity with end
pads), which OpenCV's importer reads without a Pad operator.
"""

import json
import os

import numpy as np

from . import tfjs_weights
from .onnx_builder import Builder, conv_out, same_pads

MEAN_RGB = [122.782, 117.001, 104.298]
INPUT = 150


class _Net:
    def __init__(self, weights):
        self.w = weights
        self.b = Builder("face_recognition_net")

    def conv(self, x, size, prefix, stride, padding, relu):
        """face-api's convLayer: returns (tensor, (channels, size))."""
        filters = self.w[prefix + "/conv/filters"]  # HWIO
        bias = self.w[prefix + "/conv/bias"]
        sw, sb = self.w[prefix + "/scale/weights"], self.w[prefix + "/scale/biases"]
        weight = filters.transpose(3, 2, 0, 1) * sw.reshape(-1, 1, 1, 1)
        folded_bias = bias * sw + sb
        k = filters.shape[0]
        if padding == "same":
            pb, pe = same_pads(size, k, stride)
        else:
            pb = pe = 0
        y = self.b.conv(x, weight, folded_bias, stride, (pb, pb, pe, pe),
                        hint=prefix.replace("/", "_"))
        if relu:
            y = self.b.node("Relu", [y])
        return y, (filters.shape[3], conv_out(size, k, stride, pb, pe))

    def residual(self, x, shape, prefix):
        out, s = self.conv(x, shape[1], prefix + "/conv1", 1, "same", True)
        out, s = self.conv(out, s[1], prefix + "/conv2", 1, "same", False)
        return self.b.node("Relu", [self.b.node("Add", [out, x])]), s

    def residual_down(self, x, shape, prefix):
        channels, size = shape
        out, s = self.conv(x, size, prefix + "/conv1", 2, "valid", True)
        out, s = self.conv(out, s[1], prefix + "/conv2", 1, "same", False)
        pooled = self.b.node("AveragePool", [x], kernel_shape=[2, 2], strides=[2, 2],
                             pads=[0, 0, 0, 0])
        pooled_size = conv_out(size, 2, 2, 0, 0)
        if pooled_size != s[1]:
            extra = pooled_size - s[1]
            ident = np.ones([s[0], 1, 1, 1], np.float32)
            out = self.b.conv(out, ident, None, 1, (0, 0, extra, extra), group=s[0],
                              hint=prefix.replace("/", "_") + "_pad")
        if channels != s[0]:
            widen = np.zeros([s[0], channels, 1, 1], np.float32)
            widen[np.arange(channels), np.arange(channels)] = 1
            pooled = self.b.conv(pooled, widen, None, 1, (0, 0, 0, 0),
                                 hint=prefix.replace("/", "_") + "_widen")
        return self.b.node("Relu", [self.b.node("Add", [out, pooled])]), (s[0], pooled_size)

    def build(self):
        b = self.b
        x = b.input("input", [1, 3, INPUT, INPUT])
        mean = np.array(MEAN_RGB, np.float32).reshape(3, 1, 1)
        x = b.node("Mul", [b.node("Sub", [x, b.const(mean, "mean")]),
                           b.const(np.array(1 / 255, np.float32), "scale")])
        out, s = self.conv(x, INPUT, "conv32_down", 2, "valid", True)
        out = b.node("MaxPool", [out], kernel_shape=[3, 3], strides=[2, 2], pads=[0, 0, 0, 0])
        s = (s[0], conv_out(s[1], 3, 2, 0, 0))
        for name in ["conv32_1", "conv32_2", "conv32_3"]:
            out, s = self.residual(out, s, name)
        for down, rest in [("conv64_down", ["conv64_1", "conv64_2", "conv64_3"]),
                           ("conv128_down", ["conv128_1", "conv128_2"]),
                           ("conv256_down", ["conv256_1", "conv256_2"]),
                           ("conv256_down_out", [])]:
            out, s = self.residual_down(out, s, down)
            for name in rest:
                out, s = self.residual(out, s, name)
        out = b.node("GlobalAveragePool", [out])
        fc = self.w["fc"]  # [256, 128]
        out = b.conv(out, fc.T.reshape(fc.shape[1], fc.shape[0], 1, 1), None, 1, (0, 0, 0, 0),
                     hint="fc")
        b.output(out, "descriptor", [1, fc.shape[1], 1, 1])
        return b.model()


def convert(manifest_path):
    """Builds the network from the weights manifest at `manifest_path` (shards beside it)."""
    with open(manifest_path) as f:
        manifest = json.load(f)
    weights = tfjs_weights.load(manifest, os.path.dirname(manifest_path))
    return _Net(weights).build()
