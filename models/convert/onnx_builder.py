"""A small ONNX graph builder for the converters: nodes in NCHW, float32 initialisers, and
operators written the way OpenCV 4.6's ONNX importer reads them.

OpenCV 4.6 reads bilinear Resize only in its opset-11 form (roi and scales inputs, with
coordinate_transformation_mode), but reads Clip only in its opset-6 form (min/max attributes;
it rejects the 3-input form). So the models declare opset 11 and write Clip the old way, which
the ONNX checker's schema pass would refuse; likewise SiLU is written as a `Swish` node, a layer
OpenCV registers and fuses into a convolution, which standard ONNX lacks. The converted models
are checked instead by loading them in OpenCV and comparing their outputs with TensorFlow.js's
(tests/integration/test_model_conversion.py)."""

import numpy as np
from onnx import TensorProto, helper, numpy_helper

OPSET = 11


def same_pads(size, kernel, stride, dilation=1):
    """TensorFlow's SAME padding for one spatial axis: (begin, end), the extra pixel at the end."""
    effective = (kernel - 1) * dilation + 1
    out = -(-size // stride)
    total = max((out - 1) * stride + effective - size, 0)
    return total // 2, total - total // 2


def conv_out(size, kernel, stride, pad_begin, pad_end, dilation=1):
    return (size + pad_begin + pad_end - ((kernel - 1) * dilation + 1)) // stride + 1


class Builder:
    def __init__(self, name):
        self.name = name
        self.nodes = []
        self.initializers = []
        self.inputs = []
        self.outputs = []
        self._count = 0

    def fresh(self, hint):
        self._count += 1
        return f"{hint}__{self._count}"

    def const(self, value, hint="const"):
        name = self.fresh(hint)
        self.initializers.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def node(self, op, inputs, hint=None, **attrs):
        out = self.fresh(hint or op.lower())
        self.nodes.append(helper.make_node(op, inputs, [out], **attrs))
        return out

    def input(self, name, shape):
        self.inputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, shape))
        return name

    def output(self, tensor, name, shape):
        self.nodes.append(helper.make_node("Identity", [tensor], [name]))
        self.outputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, shape))

    def conv(self, x, weight_oihw, bias, stride, pads, group=1, dilation=1, hint="conv"):
        """pads: (top, left, bottom, right)."""
        inputs = [x, self.const(weight_oihw.astype(np.float32), hint + "_w")]
        if bias is not None:
            inputs.append(self.const(bias.astype(np.float32), hint + "_b"))
        kh, kw = weight_oihw.shape[2:]
        return self.node("Conv", inputs, hint, kernel_shape=[kh, kw], strides=[stride, stride],
                         pads=list(pads), group=group, dilations=[dilation, dilation])

    def clip(self, x, lo, hi):
        return self.node("Clip", [x], "clip", min=float(lo), max=float(hi))

    def model(self):
        graph = helper.make_graph(self.nodes, self.name, self.inputs, self.outputs,
                                  self.initializers)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                                  producer_name="fogbank-models")
        model.ir_version = 6
        return model
