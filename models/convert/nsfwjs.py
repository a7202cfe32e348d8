"""nsfwjs's bundled models to ONNX. nsfwjs 4 ships each TF.js layers model as browserified
JavaScript modules: `model.min.js` exports the model JSON (a Keras model_config and a weights
manifest) and each `groupN-shardKofM.min.js` exports its shard as a base64 string. Node (which
the fetch step already needs for npm) evaluates those modules, and nothing else: the modules
are only required, never run as a program; the layers themselves go through keras_layers."""

import base64
import json
import os
import shutil
import subprocess
import tempfile

from . import keras_layers, tfjs_weights

_PRINT = "process.stdout.write(JSON.stringify(require(process.argv[1])))"


def _node():
    node = shutil.which("node") or shutil.which("nodejs")
    if not node:
        raise RuntimeError("node is needed to read nsfwjs's bundled models")
    return node


def _require(path):
    out = subprocess.run([_node(), "-e", _PRINT, os.path.abspath(path)], check=True,
                         capture_output=True, text=True, timeout=300)
    return json.loads(out.stdout)


def convert(model_js):
    directory = os.path.dirname(model_js)
    model = _require(model_js)
    with tempfile.TemporaryDirectory() as shards:
        for group in model["weightsManifest"]:
            for path in group["paths"]:
                data = _require(os.path.join(directory, path + ".min.js"))
                with open(os.path.join(shards, path), "wb") as f:
                    f.write(base64.b64decode(data))
        weights = tfjs_weights.load(model["weightsManifest"], shards)
    return keras_layers.convert(model["modelTopology"]["model_config"], weights,
                                os.path.basename(directory))
