"""PaddleOCR's text-line recogniser (PP-OCRv4 SVTR, as exported by paddle2onnx) made loadable
by OpenCV 4.6, for one fixed input of 1x3x48xWIDTH.

- Clip nodes take attributes and the input is fixed, as for the detector (paddle_det).
- Shape arithmetic is folded: every value computed from shapes alone (Shape, Cast, Slice,
  Concat feeding Reshape) is evaluated once for the fixed input by the numpy reference
  (onnx_reference) and becomes a constant; OpenCV cannot import those subgraphs.
- A constant operand of a binary operator on a 3-D tensor (LayerNorm's scale and shift, a
  linear layer's bias) is expanded to that tensor's full shape: OpenCV 4.6 broadcasts only
  along channels and fails on [T, C] tensors otherwise.
- The classifier keeps only the printable ASCII characters of its 6,625 (blank, 6,623
  dictionary entries, space), reordered so that class k > 0 is the character chr(31 + k): the
  model's own dictionary is mostly Chinese, Rekognition reads Latin script, and so fogbank needs
  no dictionary file at run time. The softmax then renormalises over those 96 classes.

The converted graph is checked against the original, both run by the numpy reference on a
fixed pseudo-random input (and by OpenCV itself when python3-opencv is installed): a rewrite
that changed what the network computes fails the fetch.
"""

import numpy as np
import onnx
from onnx import helper, numpy_helper

from . import onnx_reference, paddle_det

HEIGHT = 48
PRINTABLE = [chr(c) for c in range(32, 127)]  # class k > 0 is PRINTABLE[k - 1]
_ABSENT = -30.0  # bias of a printable character the dictionary lacks: never chosen


def _const(name, value):
    return helper.make_node("Constant", [], [name], value=numpy_helper.from_array(value, name))


def _test_input(width):
    rng = np.random.default_rng(0)
    return rng.uniform(-1, 1, (1, 3, HEIGHT, width)).astype(np.float32)


def _fold_shapes(model, values):
    """Nodes whose outputs do not depend on the input's values become constants."""
    data = {model.graph.input[0].name}
    nodes = []
    for node in model.graph.node:
        if node.op_type != "Constant" and node.op_type != "Shape" and any(
                i in data for i in node.input if i):
            data.update(node.output)
            nodes.append(node)
        elif node.op_type == "Constant":
            nodes.append(node)
        else:
            out = node.output[0]
            nodes.append(_const(out, np.asarray(values[out])))
    return nodes


def _expand_operands(nodes, values):
    consts = {n.output[0]: numpy_helper.to_array(n.attribute[0].t)
              for n in nodes if n.op_type == "Constant"}
    out = []
    for node in nodes:
        if node.op_type in ("Add", "Sub", "Mul", "Div"):
            a, b = node.input
            for c, x in ((b, a), (a, b)):
                if (c in consts and x not in consts and values[x].ndim == 3 and
                        consts[c].size > 1 and consts[c].shape != values[x].shape):
                    full = np.ascontiguousarray(np.broadcast_to(consts[c], values[x].shape))
                    name = f"{c}/expanded_for/{node.output[0]}"
                    out.append(_const(name, full.astype(consts[c].dtype)))
                    node = helper.make_node(node.op_type,
                                            [name if i == c else i for i in node.input],
                                            list(node.output), name=node.name)
                    break
        out.append(node)
    return out


def _latin_classifier(nodes, dictionary):
    """Slices the final linear layer to blank + printable ASCII, in ASCII order."""
    chars = ["<blank>"] + dictionary + [" "]
    column = {}
    for i, ch in enumerate(chars[1:], start=1):
        column.setdefault(ch, i)
    consts = {n.output[0]: n for n in nodes if n.op_type == "Constant"}
    matmul = [n for n in nodes if n.op_type == "MatMul" and n.input[1] in consts and
              numpy_helper.to_array(consts[n.input[1]].attribute[0].t).shape[-1] == len(chars)]
    if len(matmul) != 1:
        raise ValueError(f"expected one classifier of {len(chars)} classes, found {len(matmul)}")
    add = [n for n in nodes if n.op_type == "Add" and matmul[0].output[0] in n.input]
    if len(add) != 1:
        raise ValueError("the classifier has no bias")
    weight_name = matmul[0].input[1]
    bias_name = [i for i in add[0].input if i != matmul[0].output[0]][0]
    weight = numpy_helper.to_array(consts[weight_name].attribute[0].t)
    bias = numpy_helper.to_array(consts[bias_name].attribute[0].t)
    keep = [0] + [column.get(ch, -1) for ch in PRINTABLE]
    new_w = np.stack([weight[:, k] if k >= 0 else np.zeros(weight.shape[0], weight.dtype)
                      for k in keep], axis=1)
    new_b = np.stack([bias[..., k] if k >= 0 else np.full(bias.shape[:-1], _ABSENT, bias.dtype)
                      for k in keep], axis=-1)
    replaced = {weight_name: _const(weight_name, new_w), bias_name: _const(bias_name, new_b)}
    return [replaced.get(n.output[0], n) if n.op_type == "Constant" else n for n in nodes], keep


def convert(onnx_path, dictionary_path, width=320):
    with open(dictionary_path, encoding="utf-8") as f:
        dictionary = f.read().split("\n")
    if dictionary and dictionary[-1] == "":
        dictionary.pop()
    model = onnx.load(onnx_path)
    paddle_det.attribute_clips(model)
    paddle_det.fix_input(model, [1, 3, HEIGHT, width])
    original = onnx.ModelProto()
    original.CopyFrom(model)
    x = _test_input(width)
    values = onnx_reference.run(model, {model.graph.input[0].name: x})
    nodes = _expand_operands(_fold_shapes(model, values), values)
    nodes, keep = _latin_classifier(nodes, dictionary)
    used = {i for n in nodes for i in n.input} | {o.name for o in model.graph.output}
    nodes = [n for n in nodes if n.op_type != "Constant" or n.output[0] in used]
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    out = model.graph.output[0]
    dims = out.type.tensor_type.shape.dim
    for dim, value in zip(dims, values[out.name].shape[:-1] + (len(keep),)):
        dim.Clear()
        dim.dim_value = value
    _check(original, model, x, keep)
    return model


def _check(original, converted, x, keep):
    name = original.graph.output[0].name
    full = onnx_reference.run(original, {original.graph.input[0].name: x})[name]
    picked = np.stack([full[..., k] if k >= 0 else np.zeros(full.shape[:-1], full.dtype)
                       for k in keep], axis=-1)
    expected = picked / picked.sum(axis=-1, keepdims=True)
    got = onnx_reference.run(converted, {converted.graph.input[0].name: x})[name]
    if np.abs(got - expected).max() > 1e-4:
        raise ValueError(f"converted recogniser differs from the original by "
                         f"{np.abs(got - expected).max()}")
    try:
        import cv2  # python3-opencv: present where the tests run
    except ImportError:
        return
    import tempfile
    with tempfile.NamedTemporaryFile(suffix=".onnx") as f:
        f.write(converted.SerializeToString())
        f.flush()
        net = cv2.dnn.readNetFromONNX(f.name)
        net.setInput(x)
        ran = net.forward()
    if np.abs(ran.reshape(expected.shape) - expected).max() > 1e-3:
        raise ValueError(f"OpenCV runs the converted recogniser {np.abs(ran - expected).max()} "
                         f"away from the reference")
