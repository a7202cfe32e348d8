// S3: buckets, a browsable object list with prefixes and pages, and one object's metadata,
// tags, download, delete, preview and analysis.
import { s3, s3Xml } from "./aws.js";
import { analysePanel } from "./analyse.js";
import { bytes, errorBox, h, link, loading, replace, table } from "./dom.js";

const text = (el, name) => el.getElementsByTagName(name)[0]?.textContent ?? "";
const IMAGE = /\.(jpe?g|png|gif|webp|bmp)$/i;

export function s3View(r) {
  if (r.parts[0] === "b") return bucketView(r.parts[1], r.params);
  if (r.parts[0] === "o") return objectView(r.parts[1], r.parts[2]);
  return bucketsView();
}

function bucketsView() {
  const name = h("input", { placeholder: "new-bucket-name", "aria-label": "Bucket name" });
  const status = h("span");
  const create = h("form", { class: "inline", onsubmit: async (e) => {
    e.preventDefault();
    try { await s3("PUT", name.value); location.reload(); } catch (err) { replace(status, errorBox(err)); }
  } }, name, h("button", {}, "Create bucket"), status);
  return h("section", {}, h("h1", {}, "S3 buckets"), create, loading(async () => {
    const doc = await s3Xml("GET");
    const buckets = [...doc.getElementsByTagName("Bucket")];
    if (!buckets.length) return h("p", { class: "empty" }, "No buckets yet.");
    return table(["Bucket", "Created"], buckets.map((b) => ({
      cells: [h("a", { href: link("s3", "b", text(b, "Name")) }, text(b, "Name")), text(b, "CreationDate")],
    })), { id: "buckets" });
  }));
}

function crumbs(bucket, prefix) {
  const parts = prefix.split("/").filter(Boolean);
  const out = [h("a", { href: "#/s3" }, "S3"), " / ", h("a", { href: link("s3", "b", bucket) }, bucket)];
  let acc = "";
  for (const p of parts) {
    acc += p + "/";
    out.push(" / ", h("a", { href: link("s3", "b", bucket) + "?prefix=" + encodeURIComponent(acc) }, p));
  }
  return h("nav", { class: "crumbs" }, out);
}

function bucketView(bucket, params) {
  const prefix = params.get("prefix") || "";
  const token = params.get("token") || "";
  const file = h("input", { type: "file", "aria-label": "File to upload" });
  const status = h("span");
  const upload = h("form", { class: "inline", onsubmit: async (e) => {
    e.preventDefault();
    const f = file.files[0];
    if (!f) return;
    try {
      await s3("PUT", bucket, prefix + f.name, {
        body: new Uint8Array(await f.arrayBuffer()),
        headers: { "content-type": f.type || "application/octet-stream" },
      });
      location.reload();
    } catch (err) { replace(status, errorBox(err)); }
  } }, file, h("button", {}, "Upload"), status);

  return h("section", {}, h("h1", {}, bucket), crumbs(bucket, prefix), upload, loading(async () => {
    const query = { "list-type": "2", delimiter: "/", "max-keys": "100" };
    if (prefix) query.prefix = prefix;
    if (token) query["continuation-token"] = token;
    const doc = await s3Xml("GET", bucket, "", { query });
    const rows = [...doc.getElementsByTagName("CommonPrefixes")].map((p) => {
      const pre = text(p, "Prefix");
      return { cells: [h("a", { class: "folder", href: link("s3", "b", bucket) + "?prefix=" + encodeURIComponent(pre) },
        pre.slice(prefix.length)), "", ""] };
    });
    for (const o of doc.getElementsByTagName("Contents")) {
      const key = text(o, "Key");
      rows.push({ cells: [h("a", { href: link("s3", "o", bucket, key) }, key.slice(prefix.length)),
        bytes(text(o, "Size")), text(o, "LastModified")] });
    }
    const next = text(doc, "NextContinuationToken");
    return h("div", {},
      rows.length ? table(["Key", "Size", "Last modified"], rows, { id: "objects" })
        : h("p", { class: "empty" }, "No objects here."),
      next ? h("a", { class: "next", href: link("s3", "b", bucket) + "?prefix=" + encodeURIComponent(prefix) +
        "&token=" + encodeURIComponent(next) }, "Next page →") : null);
  }));
}

function objectView(bucket, key) {
  const section = h("section", {}, h("h1", {}, key), crumbs(bucket, key.includes("/") ? key.slice(0, key.lastIndexOf("/") + 1) : ""));
  section.append(loading(async () => {
    const head = await s3("HEAD", bucket, key);
    const meta = [];
    for (const [k, v] of head.headers)
      if (/^(content-|etag|last-modified|x-amz-)/.test(k) && k !== "x-amz-request-id" && k !== "x-amz-id-2")
        meta.push({ cells: [k, v] });
    let tags = [];
    try {
      const doc = await s3Xml("GET", bucket, key, { query: { tagging: "" } });
      tags = [...doc.getElementsByTagName("Tag")].map((t) => ({ cells: [text(t, "Key"), text(t, "Value")] }));
    } catch { /* no tags */ }
    const status = h("span");
    const actions = h("div", { class: "actions" },
      h("button", { onclick: async () => {
        const res = await s3("GET", bucket, key);
        const a = h("a", { href: URL.createObjectURL(await res.blob()), download: key.split("/").pop() });
        document.body.append(a); a.click(); a.remove();
      } }, "Download"),
      h("button", { class: "danger", onclick: async () => {
        if (!confirm(`Delete s3://${bucket}/${key}?`)) return;
        try { await s3("DELETE", bucket, key); location.hash = link("s3", "b", bucket); }
        catch (err) { replace(status, errorBox(err)); }
      } }, "Delete"), status);
    const type = head.headers.get("content-type") || "";
    const isImage = type.startsWith("image/") || IMAGE.test(key);
    const parts = [actions, h("h2", {}, "Metadata"), table(["Header", "Value"], meta, { id: "metadata" }),
      h("h2", {}, "Tags"), tags.length ? table(["Key", "Value"], tags, { id: "tags" }) : h("p", { class: "empty" }, "No tags.")];
    if (isImage) {
      const res = await s3("GET", bucket, key);
      const url = URL.createObjectURL(await res.blob());
      parts.push(h("h2", {}, "Preview and analysis"), analysePanel({ S3Object: { Bucket: bucket, Name: key } }, url));
    }
    return h("div", {}, parts);
  }));
  return section;
}
