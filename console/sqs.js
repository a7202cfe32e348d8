// SQS: queues with their attributes and counts; one queue's messages (peeked: read without
// being received, so nothing about them changes), attributes, send, purge, and for a
// dead-letter queue, redrive to its sources (StartMessageMoveTask).
import { call, fogbankSigned } from "./aws.js";
import { errorBox, h, link, loading, pretty, replace, table } from "./dom.js";

const nameOf = (url) => url.split("/").pop();

export function sqsView(r) {
  if (r.parts[0] === "q") return queueView(r.parts[1]);
  return h("section", {}, h("h1", {}, "SQS queues"), loading(async () => {
    const { QueueUrls = [] } = await call("sqs", "ListQueues", {});
    if (!QueueUrls.length) return h("p", { class: "empty" }, "No queues yet.");
    const rows = await Promise.all(QueueUrls.map(async (url) => {
      const { Attributes: a } = await call("sqs", "GetQueueAttributes", { QueueUrl: url, AttributeNames: ["All"] });
      return { cells: [h("a", { href: link("sqs", "q", url) }, nameOf(url)), a.ApproximateNumberOfMessages,
        a.ApproximateNumberOfMessagesNotVisible, a.ApproximateNumberOfMessagesDelayed,
        a.FifoQueue === "true" ? "FIFO" : "standard", a.RedrivePolicy ? nameOf(JSON.parse(a.RedrivePolicy).deadLetterTargetArn.replaceAll(":", "/")) : ""] };
    }));
    return table(["Queue", "Visible", "In flight", "Delayed", "Type", "Dead-letter queue"], rows, { id: "queues" });
  }));
}

function queueView(url) {
  const status = h("div");
  const body = h("textarea", { rows: 4, placeholder: "Message body", "aria-label": "Message body" });
  const group = h("input", { placeholder: "MessageGroupId (FIFO)", "aria-label": "Message group" });
  const act = async (f) => { try { replace(status, await f()); } catch (e) { replace(status, errorBox(e)); } };
  const send = h("form", { class: "stack", onsubmit: (e) => { e.preventDefault(); act(async () => {
    const input = { QueueUrl: url, MessageBody: body.value };
    if (url.endsWith(".fifo")) { input.MessageGroupId = group.value || "console"; input.MessageDeduplicationId = String(Date.now()); }
    const out = await call("sqs", "SendMessage", input);
    return h("p", { class: "ok" }, `Sent ${out.MessageId}`);
  }); } }, body, url.endsWith(".fifo") ? group : null, h("button", {}, "Send message"));
  return h("section", {}, h("h1", {}, nameOf(url)), h("p", { class: "muted mono" }, url), loading(async () => {
    const { Attributes: a } = await call("sqs", "GetQueueAttributes", { QueueUrl: url, AttributeNames: ["All"] });
    const { queueUrls = [] } = await call("sqs", "ListDeadLetterSourceQueues", { QueueUrl: url }).catch(() => ({}));
    const actions = h("div", { class: "actions" },
      h("button", { class: "danger", onclick: () => confirm("Purge every message?") &&
        act(async () => { await call("sqs", "PurgeQueue", { QueueUrl: url }); return h("p", { class: "ok" }, "Purged."); }) }, "Purge"),
      queueUrls.length ? h("button", { onclick: () => act(async () => {
        const out = await call("sqs", "StartMessageMoveTask", { SourceArn: a.QueueArn });
        return h("p", { class: "ok" }, `Redrive started (${out.TaskHandle.slice(0, 12)}…)`);
      }) }, "Redrive to source queues") : null);
    const peeked = await fogbankSigned("sqs", "sqs/messages", { QueueUrl: url, MaxMessages: "100" });
    const messages = peeked.Messages.length ? table(["Message id", "State", "Receives", "Sent", "Body"],
      peeked.Messages.map((m) => ({ cells: [h("span", { class: "mono" }, m.MessageId), m.State, String(m.ReceiveCount),
        new Date(m.SentTimestamp).toLocaleTimeString(), h("span", { class: "mono" }, m.Body.length > 300 ? m.Body.slice(0, 300) + "…" : m.Body)] })),
    { id: "messages" }) : h("p", { class: "empty" }, "No messages.");
    return h("div", {}, actions, status,
      h("h2", {}, `Messages (${peeked.Total}, peeked without receiving)`), messages,
      h("h2", {}, "Send"), send, h("h2", {}, "Attributes"),
      table(["Attribute", "Value"], Object.entries(a).map(([k, v]) => ({ cells: [k, v] })), { id: "attributes" }),
      queueUrls.length ? [h("h2", {}, "Dead-letter queue of"), pretty(queueUrls)] : null);
  }));
}
