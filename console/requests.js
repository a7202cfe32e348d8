// The live request log: every request fogbank answers, as it answers it (server-sent events
// from /_fogbank/requests/events), filterable; a click shows its headers and bodies, secrets
// masked by the server.
import { fogbank } from "./aws.js";
import { errorBox, h, replace } from "./dom.js";

const KEEP = 500;  // rows on the page

export function requestsView() {
  const filter = h("input", { id: "request-filter", type: "search", placeholder: "Filter: service, operation, status, path…", "aria-label": "Filter" });
  const tbody = h("tbody");
  const detail = h("div", { id: "request-detail", class: "detail" }, h("p", { class: "empty" }, "Click a request to see it whole."));
  const counter = h("span", { class: "muted" });
  let shown = 0;

  const matches = (r) => {
    const q = filter.value.trim().toLowerCase();
    if (!q) return true;
    return [r.service, r.operation, String(r.status), r.target, r.method, r.request_id, r.account]
      .some((f) => (f || "").toLowerCase().includes(q));
  };
  const applyFilter = () => {
    for (const tr of tbody.children) tr.hidden = !matches(tr.record);
  };
  filter.addEventListener("input", applyFilter);

  async function open(id) {
    replace(detail, h("p", { class: "loading" }, "Loading…"));
    try {
      const d = await fogbank("GET", `requests/${id}`);
      const part = (title, body) => [h("h3", {}, title), h("pre", { class: "body" }, body || "(empty)")];
      replace(detail, h("h2", {}, `${d.service} ${d.operation || d.method} → ${d.status}`),
        h("p", { class: "muted" }, `${d.method} ${d.target} · ${d.latency_ms.toFixed(2)} ms · request id ${d.request_id}`),
        d.bodies_kept ? [part("Request headers", d.request_headers), part(`Request body (${d.request_size} bytes)`, d.request_body),
          part(`Response body (${d.response_size} bytes)`, d.response_body)]
          : h("p", { class: "empty" }, "Bodies are kept for the newest requests only."));
    } catch (e) { replace(detail, errorBox(e)); }
  }

  function add(r) {
    const cls = r.status >= 500 ? "s5" : r.status >= 400 ? "s4" : "s2";
    const tr = h("tr", { class: cls, dataset: { id: String(r.id), service: r.service, operation: r.operation }, onclick: () => open(r.id) },
      h("td", {}, new Date(r.time).toLocaleTimeString()), h("td", {}, r.service), h("td", {}, r.operation || r.method),
      h("td", {}, String(r.status)), h("td", { class: "num" }, r.latency_ms.toFixed(2)),
      h("td", { class: "target" }, `${r.method} ${r.target}`), h("td", { class: "mono" }, r.request_id));
    tr.record = r;
    tr.hidden = !matches(r);
    tbody.prepend(tr);
    while (tbody.children.length > KEEP) tbody.lastChild.remove();
    replace(counter, `${++shown} requests seen`);
  }

  const events = new EventSource("/_fogbank/requests/events");
  events.onmessage = (e) => add(JSON.parse(e.data));

  const clear = h("button", { onclick: async () => { await fogbank("DELETE", "requests"); tbody.replaceChildren(); } }, "Clear log");
  const node = h("section", {}, h("h1", {}, "Requests"),
    h("div", { class: "inline" }, filter, clear, counter),
    h("div", { class: "split wide" },
      h("div", { class: "scroll" }, h("table", { id: "requests" },
        h("thead", {}, h("tr", {}, ["Time", "Service", "Operation", "Status", "ms", "Request", "Request id"].map((t) => h("th", {}, t)))),
        tbody)),
      detail));
  return { node, stop: () => events.close() };
}
