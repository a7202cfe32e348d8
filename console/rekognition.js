// Rekognition: face collections and the faces indexed in each, with the crop of each face that
// fogbank keeps (GET /_fogbank/rekognition/face-crop).
import { call, fogbankImage } from "./aws.js";
import { h, link, loading, table } from "./dom.js";

export function rekognitionView(r) {
  if (r.parts[0] === "c") return collectionView(r.parts[1]);
  return h("section", {}, h("h1", {}, "Rekognition collections"), loading(async () => {
    const { CollectionIds = [] } = await call("rekognition", "ListCollections", {});
    if (!CollectionIds.length) return h("p", { class: "empty" }, "No collections yet.");
    const rows = await Promise.all(CollectionIds.map(async (id) => {
      const c = await call("rekognition", "DescribeCollection", { CollectionId: id });
      return { cells: [h("a", { href: link("rekognition", "c", id) }, id), String(c.FaceCount), c.FaceModelVersion] };
    }));
    return table(["Collection", "Faces", "Face model"], rows, { id: "collections" });
  }));
}

function collectionView(id) {
  return h("section", {}, h("h1", {}, id), loading(async () => {
    const faces = [];
    let token;
    do {
      const out = await call("rekognition", "ListFaces", { CollectionId: id, MaxResults: 100, ...(token ? { NextToken: token } : {}) });
      faces.push(...out.Faces);
      token = out.NextToken;
    } while (token && faces.length < 1000);
    if (!faces.length) return h("p", { class: "empty" }, "No faces indexed.");
    const box = (b) => `${(b.Left * 100).toFixed(0)}%, ${(b.Top * 100).toFixed(0)}% · ${(b.Width * 100).toFixed(0)}×${(b.Height * 100).toFixed(0)}%`;
    const crop = (f) => {
      const img = h("img", { class: "crop", alt: `Face ${f.FaceId}` });
      fogbankImage("rekognition", "rekognition/face-crop", { CollectionId: id, FaceId: f.FaceId })
        .then((url) => { img.src = url; }, () => { img.replaceWith(h("span", { class: "muted" }, "(no image)")); });
      return img;
    };
    return table(["Face", "Face id", "External image id", "Image id", "Box (left, top · size)", "Confidence"], faces.map((f) => ({
      cells: [crop(f), h("span", { class: "mono" }, f.FaceId), f.ExternalImageId || "", h("span", { class: "mono" }, f.ImageId),
        box(f.BoundingBox), `${f.Confidence.toFixed(1)}%`] })), { id: "faces-table" });
  }));
}
