// A few DOM helpers: the console builds its pages from elements, never from HTML strings, so
// nothing a bucket, key or message holds can become markup.

// h("a", {href: "#/s3", class: "x", onclick: f}, "text", child, [more children])
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function table(headers, rows, attrs = {}) {
  return h("table", attrs, h("thead", {}, h("tr", {}, headers.map((x) => h("th", {}, x)))),
    h("tbody", {}, rows.map((r) => h("tr", r.attrs || {}, r.cells.map((c) => h("td", {}, c))))));
}

export function bytes(n) {
  if (n === undefined || n === null) return "";
  const units = ["B", "KiB", "MiB", "GiB"];
  let i = 0;
  let v = Number(n);
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${i ? v.toFixed(1) : v} ${units[i]}`;
}

export function errorBox(e) {
  return h("div", { class: "error", role: "alert" }, e.code ? `${e.code}: ` : "", e.message || String(e));
}

// A section that fills itself from an async function and shows its failure instead of hanging.
export function loading(fill) {
  const box = h("div", { class: "loading" }, "Loading…");
  Promise.resolve().then(fill).then(
    (content) => { box.className = ""; replace(box, content); },
    (e) => { box.className = ""; replace(box, errorBox(e)); });
  return box;
}

export function pretty(value) {
  return h("pre", { class: "json" }, JSON.stringify(value, null, 2));
}

// The view a hash names: "#/s3/b/photos?prefix=in/" -> {section: "s3", parts: ["b", "photos"],
// params}. Each part is percent-decoded, so a key with slashes is one part.
export function route() {
  const hash = location.hash.replace(/^#\/?/, "");
  const [path, query = ""] = hash.split("?");
  const parts = path.split("/").filter((p) => p !== "").map(decodeURIComponent);
  return { section: parts[0] || "", parts: parts.slice(1), params: new URLSearchParams(query) };
}

// The hash of a view, its parts encoded.
export function link(...parts) {
  return "#/" + parts.map((p) => encodeURIComponent(p)).join("/");
}
