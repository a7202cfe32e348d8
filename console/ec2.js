// EC2: instances (each a local process running its UserData) with their state, and one
// instance's console output; IAM roles with their trust policies.
import { query } from "./aws.js";
import { h, link, loading, pretty, table } from "./dom.js";

// The direct child elements named `name` (EC2's XML nests "item" lists in "item"s).
const kids = (el, name) => [...(el?.children || [])].filter((c) => c.tagName === name);
const kid = (el, name) => kids(el, name)[0];
const val = (el, ...path) => path.reduce((e, n) => kid(e, n), el)?.textContent ?? "";

export function ec2View(r) {
  if (r.parts[0] === "i") return instanceView(r.parts[1]);
  return h("section", {}, h("h1", {}, "EC2 instances"), loading(async () => {
    const doc = await query("ec2", "DescribeInstances");
    const instances = kids(kid(doc.documentElement, "reservationSet"), "item")
      .flatMap((res) => kids(kid(res, "instancesSet"), "item"));
    if (!instances.length) return h("p", { class: "empty" }, "No instances.");
    return table(["Instance", "State", "Type", "Image", "Private IP", "Launched"], instances.map((i) => ({
      cells: [h("a", { href: link("ec2", "i", val(i, "instanceId")) }, val(i, "instanceId")), val(i, "instanceState", "name"),
        val(i, "instanceType"), val(i, "imageId"), val(i, "privateIpAddress"), val(i, "launchTime")],
    })), { id: "instances" });
  }));
}

function instanceView(id) {
  return h("section", {}, h("h1", {}, id), loading(async () => {
    const doc = await query("ec2", "GetConsoleOutput", { InstanceId: id });
    const b64 = val(doc.documentElement, "output");
    const output = b64 ? new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))) : "";
    const described = await query("ec2", "DescribeInstances", { "InstanceId.1": id });
    const inst = kids(kid(kid(kid(described.documentElement, "reservationSet"), "item"), "instancesSet"), "item")[0];
    return h("div", {}, h("p", { class: "muted" }, `${val(inst, "instanceState", "name")} · ${val(inst, "instanceType")} · ${val(inst, "imageId")}`),
      h("h2", {}, "Console output"), h("pre", { class: "body", id: "console-output" }, output || "(none yet)"));
  }));
}

export function iamView() {
  return h("section", {}, h("h1", {}, "IAM roles"), loading(async () => {
    const doc = await query("iam", "ListRoles");
    const roles = [...doc.getElementsByTagName("Roles")[0]?.children || []];
    if (!roles.length) return h("p", { class: "empty" }, "No roles.");
    return table(["Role", "ARN", "Created", "Trust policy"], roles.map((r) => {
      let trust = val(r, "AssumeRolePolicyDocument");
      try { trust = JSON.parse(decodeURIComponent(trust)); } catch { /* shown as sent */ }
      return { cells: [val(r, "RoleName"), h("span", { class: "mono" }, val(r, "Arn")), val(r, "CreateDate"),
        typeof trust === "string" ? trust : pretty(trust)] };
    }), { id: "roles" });
  }));
}
