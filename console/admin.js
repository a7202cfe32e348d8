// Admin: fogbank's health and models, the service clock (read and advance), and reset.
import { fogbank } from "./aws.js";
import { errorBox, h, loading, pretty, replace } from "./dom.js";

export function adminView() {
  const status = h("div");
  const clock = h("p", { id: "clock" });
  const showClock = async () => {
    const c = await fogbank("GET", "clock");
    replace(clock, `Service clock: ${c.now} (${c.offset_seconds} s ahead of the wall clock)`);
  };
  showClock().catch((e) => replace(status, errorBox(e)));
  const seconds = h("input", { type: "number", min: "0", value: "3600", "aria-label": "Seconds" });
  const advance = h("form", { class: "inline", onsubmit: async (e) => {
    e.preventDefault();
    try { await fogbank("POST", "clock", { advance_seconds: Number(seconds.value) }); await showClock(); }
    catch (err) { replace(status, errorBox(err)); }
  } }, seconds, h("button", {}, "Advance clock (seconds)"));
  const reset = h("button", { class: "danger", onclick: async () => {
    if (!confirm("Wipe all state of every service?")) return;
    try { const out = await fogbank("POST", "reset"); replace(status, h("p", { class: "ok" }, `Reset: ${out.reset.join(", ")}`)); }
    catch (err) { replace(status, errorBox(err)); }
  } }, "Reset all state");
  return h("section", {}, h("h1", {}, "Admin"), status, h("h2", {}, "Clock"), clock, advance,
    h("h2", {}, "Reset"), reset, h("h2", {}, "Health and models"), loading(async () => pretty(await fogbank("GET", "health"))));
}
