"""Reads the weights of a TensorFlow.js model: a weights manifest (a list of groups, each naming
its shard files and the tensors packed into them in order) and the binary shards.

Weights may be stored quantised: `quantization.dtype` float16 (IEEE half), uint8 or uint16
(affine: value = q * scale + min). Everything comes back as float32 numpy arrays, except
int32 tensors (shapes, axes), which stay int32.
"""

import os

import numpy as np

_RAW = {"float32": np.float32, "int32": np.int32, "bool": np.bool_}


def _decode(buf, offset, spec):
    shape = [int(d) for d in spec["shape"]]
    count = int(np.prod(shape)) if shape else 1
    quant = spec.get("quantization")
    if quant:
        qtype = quant["dtype"]
        if qtype == "float16":
            size = 2 * count
            values = np.frombuffer(buf, np.float16, count, offset).astype(np.float32)
        elif qtype in ("uint8", "uint16"):
            qnp = np.uint8 if qtype == "uint8" else np.uint16
            size = np.dtype(qnp).itemsize * count
            q = np.frombuffer(buf, qnp, count, offset).astype(np.float64)
            values = (q * quant["scale"] + quant["min"]).astype(np.float32)
        else:
            raise ValueError(f"{spec['name']}: unsupported quantization {qtype}")
    else:
        dtype = _RAW.get(spec["dtype"])
        if dtype is None:
            raise ValueError(f"{spec['name']}: unsupported dtype {spec['dtype']}")
        size = np.dtype(dtype).itemsize * count
        values = np.frombuffer(buf, dtype, count, offset).copy()
    return values.reshape(shape), size


def load(manifest, directory):
    """Returns {name: ndarray} for every tensor the manifest lists."""
    weights = {}
    for group in manifest:
        buf = b"".join(open(os.path.join(directory, p), "rb").read() for p in group["paths"])
        offset = 0
        for spec in group["weights"]:
            values, size = _decode(buf, offset, spec)
            weights[spec["name"]] = values
            offset += size
        if offset != len(buf):
            raise ValueError(f"{group['paths']}: {len(buf) - offset} bytes left over")
    return weights
