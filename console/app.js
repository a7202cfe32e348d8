// The console's shell: navigation, and a hash route per view, so that every page has an address
// a test or a colleague can open directly.
import { fogbank } from "./aws.js";
import { h, loading, replace, route, table } from "./dom.js";
import { adminView } from "./admin.js";
import { dynamodbView } from "./dynamodb.js";
import { ec2View, iamView } from "./ec2.js";
import { lambdaView } from "./lambda.js";
import { requestsView } from "./requests.js";
import { rekognitionView } from "./rekognition.js";
import { s3View } from "./s3.js";
import { sqsView } from "./sqs.js";

const SECTIONS = [
  ["s3", "S3", s3View],
  ["sqs", "SQS", sqsView],
  ["dynamodb", "DynamoDB", dynamodbView],
  ["lambda", "Lambda", lambdaView],
  ["rekognition", "Rekognition", rekognitionView],
  ["ec2", "EC2", ec2View],
  ["iam", "IAM", iamView],
  ["requests", "Requests", requestsView],
  ["admin", "Admin", adminView],
];

let stopCurrent = null;

function overview() {
  return h("section", {}, h("h1", {}, "Overview"), loading(async () => {
    const health = await fogbank("GET", "health");
    return table(["Service", "Status"], Object.entries(health.services).map(([name, status]) => ({
      cells: [name, h("span", { class: `badge ${status}` }, status)],
    })), { id: "services" });
  }));
}

function render() {
  if (stopCurrent) { stopCurrent(); stopCurrent = null; }
  const r = route();
  for (const a of document.querySelectorAll("#nav a"))
    a.classList.toggle("active", a.dataset.section === r.section);
  const main = document.getElementById("main");
  const found = SECTIONS.find(([id]) => id === r.section);
  if (!found) { replace(main, overview()); return; }
  const view = found[2](r);
  // A view may return {node, stop}: stop() runs when the page is left (live streams).
  if (view instanceof Node) replace(main, view);
  else { replace(main, view.node); stopCurrent = view.stop; }
}

function start() {
  replace(document.getElementById("nav"),
    SECTIONS.map(([id, label]) => h("a", { href: `#/${id}`, dataset: { section: id } }, label)));
  fogbank("GET", "health").then(
    (hl) => replace(document.getElementById("status"), `fogbank ${hl.version}`),
    () => replace(document.getElementById("status"), "fogbank unreachable"));
  window.addEventListener("hashchange", render);
  render();
}

start();
