// An independent reference for fogbank's model conversions: runs the original TF.js models
// with TensorFlow.js's own CPU kernels (NHWC, the weights as TF.js decodes them) on an input
// tensor, and writes the outputs, so that test_model_conversion.py can compare them with the
// converted ONNX run by OpenCV.
//
// node reference_models.mjs <yolov5|faceres|emotion|nsfwjs|face-recognition> <model file> <input.bin> <H> <W> <out prefix> [C]
//   input.bin: float32 [1, H, W, C] (C = 3, RGB, unless given). Each output goes to
//   <out prefix><name>.bin (float32, NHWC).
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import * as tfc from "@tensorflow/tfjs-converter";
import * as tfl from "@tensorflow/tfjs-layers";
import { createRequire } from "node:module";

const [kind, modelFile, inputFile, h, w, outPrefix, c = "3"] = process.argv.slice(2);
await tf.setBackend("cpu");

function shards(manifest, dir) {
  const bufs = manifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dir, p))));
  const all = Buffer.concat(bufs);
  return all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
}

const raw = readFileSync(inputFile);
const input = tf.tensor4d(new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4),
                          [1, Number(h), Number(w), Number(c)]);
const outputs = {};

if (kind === "yolov5" || kind === "faceres" || kind === "emotion") {
  const json = JSON.parse(readFileSync(modelFile));
  const model = await tfc.loadGraphModel(tf.io.fromMemory({
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
    weightData: shards(json.weightsManifest, dirname(modelFile)),
  }));
  const head = (i, n) => `StatefulPartitionedCall/model/tf_detect/tf_conv2d${i}/conv2d_${n}/BiasAdd`;
  const names = { yolov5: [head("", 57), head("_1", 58), head("_2", 59)],
                  faceres: ["gender_pred/Sigmoid", "age_pred/Softmax"],
                  emotion: ["StatefulPartitionedCall/model_1/predictions/Softmax"] }[kind];
  const res = [model.execute(input, names)].flat();
  names.forEach((n, i) => {
    const parts = n.split("/");
    outputs[kind === "yolov5" ? parts.at(-2) : parts[0]] = res[i];
  });
} else if (kind === "nsfwjs") {
  // nsfwjs's bundled layers model: model.min.js exports the JSON, each shard module a base64
  // string; loaded by TF.js's own layers API, as nsfwjs loads it.
  const require = createRequire(import.meta.url);
  const json = require(modelFile);
  const shardBytes = json.weightsManifest.flatMap((g) => g.paths.map((p) =>
    Buffer.from(require(join(dirname(modelFile), `${p}.min.js`)), "base64")));
  const all = Buffer.concat(shardBytes);
  const model = await tfl.loadLayersModel(tf.io.fromMemory({
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
    weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) }));
  outputs.probabilities = model.predict(input);
} else if (kind === "face-recognition") {
  // face-api's FaceRecognitionNet, written with TF.js ops as its source writes it.
  const manifest = JSON.parse(readFileSync(modelFile));
  const p = tf.io.decodeWeights(shards(manifest, dirname(modelFile)), manifest.flatMap((g) => g.weights));
  const convLayer = (x, name, strides, relu, padding = "same") => {
    let out = tf.add(tf.conv2d(x, p[`${name}/conv/filters`], strides, padding), p[`${name}/conv/bias`]);
    out = tf.add(tf.mul(out, p[`${name}/scale/weights`]), p[`${name}/scale/biases`]);
    return relu ? tf.relu(out) : out;
  };
  const residual = (x, name) => {
    let out = convLayer(x, `${name}/conv1`, [1, 1], true);
    out = convLayer(out, `${name}/conv2`, [1, 1], false);
    return tf.relu(tf.add(out, x));
  };
  const residualDown = (x, name) => {
    let out = convLayer(x, `${name}/conv1`, [2, 2], true, "valid");
    out = convLayer(out, `${name}/conv2`, [1, 1], false);
    let pooled = tf.avgPool(x, 2, 2, "valid");
    if (pooled.shape[1] !== out.shape[1] || pooled.shape[2] !== out.shape[2]) {
      const padX = [...out.shape]; padX[1] = 1;
      out = tf.concat([out, tf.zeros(padX)], 1);
      const padY = [...out.shape]; padY[2] = 1;
      out = tf.concat([out, tf.zeros(padY)], 2);
    }
    if (pooled.shape[3] !== out.shape[3]) pooled = tf.concat([pooled, tf.zeros(pooled.shape)], 3);
    return tf.relu(tf.add(pooled, out));
  };
  const normalized = tf.div(tf.sub(input, tf.tensor1d([122.782, 117.001, 104.298])), 255);
  let out = convLayer(normalized, "conv32_down", [2, 2], true, "valid");
  out = tf.maxPool(out, 3, 2, "valid");
  for (const n of ["conv32_1", "conv32_2", "conv32_3"]) out = residual(out, n);
  out = residualDown(out, "conv64_down");
  for (const n of ["conv64_1", "conv64_2", "conv64_3"]) out = residual(out, n);
  out = residualDown(out, "conv128_down");
  for (const n of ["conv128_1", "conv128_2"]) out = residual(out, n);
  out = residualDown(out, "conv256_down");
  for (const n of ["conv256_1", "conv256_2"]) out = residual(out, n);
  out = residualDown(out, "conv256_down_out");
  outputs.descriptor = tf.matMul(tf.mean(out, [1, 2]), p.fc);
} else {
  throw new Error(`unknown model kind ${kind}`);
}
for (const [name, t] of Object.entries(outputs))
  writeFileSync(`${outPrefix}${name}.bin`, Buffer.from((await t.data()).buffer));
