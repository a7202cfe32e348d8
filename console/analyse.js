// What Rekognition sees in an image: DetectLabels, DetectFaces, DetectText and
// SearchFacesByImage run on it (through fogbank's Rekognition API, like any client), their
// boxes, landmarks and text polygons drawn over the picture, the JSON beside it.
import { call } from "./aws.js";
import { errorBox, h, pretty, replace } from "./dom.js";

const COLORS = ["#e4572e", "#17bebb", "#ffc914", "#76b041", "#a05eb5", "#2e86de"];

// `image`: a Rekognition Image ({S3Object} or {Bytes}); `url`: what the <img> shows.
export function analysePanel(image, url) {
  const img = h("img", { src: url, alt: "Image under analysis", id: "analysed-image" });
  const canvas = h("canvas", { id: "overlay", dataset: { shapes: "0" } });
  const figure = h("div", { class: "figure" }, img, canvas);
  const summary = h("div", { id: "analysis-summary" });
  const raw = h("div", { class: "raw" });
  let shapes = [];

  function draw() {
    const w = img.clientWidth, hgt = img.clientHeight;
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.round(w * ratio);
    canvas.height = Math.round(hgt * ratio);
    canvas.style.width = `${w}px`;
    canvas.style.height = `${hgt}px`;
    const ctx = canvas.getContext("2d");
    ctx.scale(ratio, ratio);
    ctx.lineWidth = 2;
    ctx.font = "12px system-ui, sans-serif";
    shapes.forEach((s, i) => {
      const color = COLORS[i % COLORS.length];
      ctx.strokeStyle = color;
      ctx.fillStyle = color;
      if (s.box) {
        const { Left, Top, Width, Height } = s.box;
        ctx.strokeRect(Left * w, Top * hgt, Width * w, Height * hgt);
        if (s.label) {
          const tw = ctx.measureText(s.label).width + 6;
          ctx.fillRect(Left * w, Math.max(0, Top * hgt - 16), tw, 16);
          ctx.fillStyle = "#000";
          ctx.fillText(s.label, Left * w + 3, Math.max(12, Top * hgt - 4));
        }
      }
      if (s.polygon) {
        ctx.beginPath();
        s.polygon.forEach((p, j) => (j ? ctx.lineTo(p.X * w, p.Y * hgt) : ctx.moveTo(p.X * w, p.Y * hgt)));
        ctx.closePath();
        ctx.stroke();
      }
      for (const p of s.points || []) {
        ctx.beginPath();
        ctx.arc(p.X * w, p.Y * hgt, 2.5, 0, 2 * Math.PI);
        ctx.fill();
      }
    });
    canvas.dataset.shapes = String(shapes.length);
  }
  img.addEventListener("load", draw);
  window.addEventListener("resize", draw);

  async function run(operation, input, toShapes, toSummary) {
    replace(summary, h("p", { class: "loading" }, `Running ${operation}…`));
    try {
      const out = await call("rekognition", operation, input);
      shapes = toShapes(out);
      draw();
      replace(summary, h("div", { dataset: { operation } }, toSummary(out)));
      replace(raw, h("h3", {}, operation), pretty(out));
    } catch (e) {
      shapes = [];
      draw();
      replace(summary, errorBox(e));
    }
  }

  const pct = (v) => `${v.toFixed(1)}%`;
  const labels = () => run("DetectLabels", { Image: image, MaxLabels: 20, MinConfidence: 50 },
    (o) => o.Labels.flatMap((l) => l.Instances.map((i) => ({ box: i.BoundingBox, label: `${l.Name} ${pct(i.Confidence)}` }))),
    (o) => h("ul", { id: "labels" }, o.Labels.map((l) => h("li", {}, `${l.Name} — ${pct(l.Confidence)}`,
      l.Instances.length ? ` (${l.Instances.length} boxed)` : ""))));
  const faces = () => run("DetectFaces", { Image: image, Attributes: ["ALL"] },
    (o) => o.FaceDetails.map((f, i) => ({ box: f.BoundingBox, label: `face ${i + 1}`, points: f.Landmarks })),
    (o) => h("ul", { id: "faces" }, o.FaceDetails.length ? o.FaceDetails.map((f, i) => h("li", {},
      `face ${i + 1}: ${pct(f.Confidence)}`, f.AgeRange ? `, age ${f.AgeRange.Low}–${f.AgeRange.High}` : "",
      f.Emotions?.length ? `, ${f.Emotions[0].Type.toLowerCase()}` : "")) : h("li", {}, "No faces.")));
  const texts = () => run("DetectText", { Image: image },
    (o) => o.TextDetections.filter((t) => t.Type === "LINE").map((t) => ({ polygon: t.Geometry.Polygon })),
    (o) => h("ul", { id: "texts" }, o.TextDetections.filter((t) => t.Type === "LINE").map((t) =>
      h("li", {}, `“${t.DetectedText}” — ${pct(t.Confidence)}`))));
  const collection = h("select", { "aria-label": "Collection" });
  call("rekognition", "ListCollections", {}).then((o) => replace(collection,
    o.CollectionIds.length ? o.CollectionIds.map((c) => h("option", { value: c }, c)) : h("option", { value: "" }, "(no collections)")),
  () => replace(collection, h("option", { value: "" }, "(unavailable)")));
  const search = () => run("SearchFacesByImage", { Image: image, CollectionId: collection.value, FaceMatchThreshold: 70 },
    (o) => [{ box: o.SearchedFaceBoundingBox, label: o.FaceMatches.length ? o.FaceMatches[0].Face.ExternalImageId || "match" : "no match" }],
    (o) => h("ul", { id: "matches" }, o.FaceMatches.length ? o.FaceMatches.map((m) => h("li", {},
      `${m.Face.ExternalImageId || m.Face.FaceId} — similarity ${pct(m.Similarity)}`)) : h("li", {}, "No match in the collection.")));

  const buttons = h("div", { class: "actions" },
    h("button", { id: "run-labels", onclick: labels }, "Labels"),
    h("button", { id: "run-faces", onclick: faces }, "Faces"),
    h("button", { id: "run-text", onclick: texts }, "Text"),
    h("span", { class: "group" }, collection, h("button", { id: "run-search", onclick: search }, "Search faces")));
  return h("div", { class: "analyse" }, buttons, h("div", { class: "split" }, figure, h("div", {}, summary, raw)));
}
