"""PaddleOCR's DB text detector (as exported by paddle2onnx) made loadable by OpenCV 4.6:
its Clip nodes take min/max as inputs, which OpenCV rejects, so each becomes the attribute
form; and its input dimensions are dynamic, which OpenCV cannot shape, so the input is fixed
at 1x3xSIZExSIZE. The two rewrites serve the recogniser's conversion too (paddle_rec)."""

import numpy as np
import onnx
from onnx import helper, numpy_helper


def constants(model):
    values = {init.name: numpy_helper.to_array(init) for init in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type == "Constant":
            for attr in node.attribute:
                if attr.name == "value":
                    values[node.output[0]] = numpy_helper.to_array(attr.t)
    return values


def attribute_clips(model):
    """Clip(x, min, max) with constant inputs becomes Clip(x) with min/max attributes."""
    values = constants(model)
    nodes = []
    for node in model.graph.node:
        if node.op_type == "Clip" and len(node.input) > 1:
            lo = values[node.input[1]] if len(node.input) > 1 and node.input[1] else -np.inf
            hi = values[node.input[2]] if len(node.input) > 2 and node.input[2] else np.inf
            node = helper.make_node("Clip", [node.input[0]], list(node.output), name=node.name,
                                    min=float(lo), max=float(hi))
        nodes.append(node)
    del model.graph.node[:]
    model.graph.node.extend(nodes)


def fix_input(model, dims):
    for dim, value in zip(model.graph.input[0].type.tensor_type.shape.dim, dims):
        dim.Clear()
        dim.dim_value = value
    # Intermediate shapes recorded for the dynamic input would contradict the fixed one.
    del model.graph.value_info[:]


def convert(onnx_path, size=640):
    model = onnx.load(onnx_path)
    attribute_clips(model)
    fix_input(model, [1, 3, size, size])
    return model
