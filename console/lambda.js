// Lambda: functions and their configuration, invoking one with a payload (its result and the
// tail of its log, as Invoke's LogType=Tail returns them), its recent invocations however they
// came (fogbank keeps the last 200 of all functions, with the end of each log), and its event
// source mappings.
import { fogbankSigned, lambda, uriEncode } from "./aws.js";
import { errorBox, h, link, loading, pretty, replace, table } from "./dom.js";

const API = "/2015-03-31";

export function lambdaView(r) {
  if (r.parts[0] === "f") return functionView(r.parts[1]);
  return h("section", {}, h("h1", {}, "Lambda functions"), loading(async () => {
    const { Functions = [] } = (await lambda("GET", `${API}/functions/`)).json();
    if (!Functions.length) return h("p", { class: "empty" }, "No functions yet.");
    return table(["Function", "Runtime", "Handler", "Memory", "Timeout", "Last modified"], Functions.map((f) => ({
      cells: [h("a", { href: link("lambda", "f", f.FunctionName) }, f.FunctionName), f.Runtime, f.Handler,
        `${f.MemorySize} MB`, `${f.Timeout} s`, f.LastModified],
    })), { id: "functions" });
  }));
}

function functionView(name) {
  const fn = `${API}/functions/${uriEncode(name)}`;
  const payload = h("textarea", { rows: 5, class: "mono", "aria-label": "Payload" }, "{}");
  const result = h("div", { id: "invoke-result" });
  const invocations = h("div", { id: "invocations" });
  const showRecent = async () => {
    const { Invocations } = await fogbankSigned("lambda", "lambda/invocations", { FunctionName: name });
    replace(invocations, Invocations.length ? table(["Started", "Status", "Duration", "Request id", "Log"],
      Invocations.map((i) => ({ attrs: { class: i.Status === "Failed" ? "failed" : "" }, cells: [
        new Date(i.Started).toLocaleTimeString(), i.Status + (i.ErrorType ? ` (${i.ErrorType})` : ""),
        `${i.DurationMs.toFixed(1)} ms` + (i.InitDurationMs ? ` + init ${i.InitDurationMs.toFixed(0)} ms` : ""),
        h("span", { class: "mono" }, i.RequestId), h("pre", { class: "body" }, i.LogTail)] })), { id: "invocation-table" })
      : h("p", { class: "empty" }, "No invocations yet."));
  };
  const invoke = h("form", { class: "stack", onsubmit: async (e) => {
    e.preventDefault();
    replace(result, h("p", { class: "loading" }, "Invoking…"));
    const started = performance.now();
    try {
      const out = await lambda("POST", `${fn}/invocations`, { body: payload.value, headers: { "x-amz-log-type": "Tail" } });
      const ms = performance.now() - started;
      const failed = out.res.headers.get("x-amz-function-error");
      const log = out.res.headers.get("x-amz-log-result");
      const logText = log ? new TextDecoder().decode(Uint8Array.from(atob(log), (c) => c.charCodeAt(0))) : "";
      replace(result, h("p", { class: failed ? "error" : "ok" }, failed ? `Function error: ${failed}` : "Succeeded",
        ` · status ${out.res.status} · ${ms.toFixed(0)} ms`),
      h("h3", {}, "Result"), h("pre", { class: "body", id: "invoke-payload" }, out.text),
      h("h3", {}, "Log (tail)"), h("pre", { class: "body", id: "invoke-log" }, logText || "(none)"));
      await showRecent();
    } catch (err) { replace(result, errorBox(err)); }
  } }, payload, h("button", { id: "invoke" }, "Invoke"));
  return h("section", {}, h("h1", {}, name), loading(async () => {
    const f = (await lambda("GET", fn)).json();
    const { EventSourceMappings = [] } = (await lambda("GET", `${API}/event-source-mappings/`, { query: { FunctionName: name } })).json();
    await showRecent();
    return h("div", {}, h("h2", {}, "Invoke"), invoke, result, h("h2", {}, "Recent invocations"), invocations,
      h("h2", {}, "Event source mappings"),
      EventSourceMappings.length ? table(["Source", "State", "Batch size", "UUID"], EventSourceMappings.map((m) => ({
        cells: [m.EventSourceArn, m.State, String(m.BatchSize), m.UUID] })), { id: "mappings" })
        : h("p", { class: "empty" }, "None."),
      h("h2", {}, "Configuration"), pretty(f.Configuration || f));
  }));
}
