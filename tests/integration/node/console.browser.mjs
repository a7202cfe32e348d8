// The web console in a real browser: Debian's chromium, headless, driven by playwright-core
// (which never downloads a browser). test_console_browser.py creates what the pages show and
// runs this with FOGBANK_URL; screenshots go to FOGBANK_SCREENSHOTS.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { chromium } from "playwright-core";
import { S3Client, PutObjectCommand } from "@aws-sdk/client-s3";

const URL_ = process.env.FOGBANK_URL;
const SHOTS = process.env.FOGBANK_SCREENSHOTS;
const UI = `${URL_}/_fogbank/ui/`;
let browser, page;
const errors = [];

async function shot(name) {
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

before(async () => {
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu"] });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  // A CSP violation or a script error would show here.
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
});

after(async () => {
  await browser?.close();
});

test("the overview lists the services", async () => {
  await page.goto(UI);
  await page.waitForSelector("#services td");
  const text = await page.textContent("#services");
  assert.match(text, /s3\s*running/);
  assert.match(text, /rekognition/);
});

test("a bucket a test created, an image in it, and what DetectLabels saw drawn over it", async () => {
  await page.goto(`${UI}#/s3`);
  await page.click("#buckets >> text=console-photos");
  await page.waitForSelector("#objects a.folder");
  await shot("s3-objects");
  await page.click("#objects a.folder >> text=in/");
  await page.click("#objects >> text=dog.jpg");
  await page.waitForSelector("#metadata");
  assert.match(await page.textContent("#metadata"), /image\/jpeg/);
  assert.match(await page.textContent("#tags"), /camera\s*porch/);
  await page.waitForFunction(() => document.querySelector("#analysed-image")?.complete);
  await page.click("#run-labels");
  await page.waitForSelector("#labels li", { timeout: 60000 });
  const labels = await page.textContent("#labels");
  assert.match(labels, /Dog/);
  const shapes = Number(await page.getAttribute("#overlay", "data-shapes"));
  assert.ok(shapes >= 1, `boxes drawn: ${shapes}`);
  // The boxes are on the canvas: some of its pixels are painted.
  const painted = await page.evaluate(() => {
    const c = document.querySelector("#overlay");
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i]) n++;
    return n;
  });
  assert.ok(painted > 100, `painted pixels: ${painted}`);
  await shot("s3-analyse-labels");
});

test("faces found in a portrait are boxed with their landmarks", async () => {
  await page.goto(`${UI}#/s3/o/console-photos/${encodeURIComponent("faces/obama.jpg")}`);
  await page.waitForFunction(() => document.querySelector("#analysed-image")?.complete);
  await page.click("#run-faces");
  await page.waitForSelector("#faces li", { timeout: 60000 });
  assert.match(await page.textContent("#faces"), /face 1/);
  assert.ok(Number(await page.getAttribute("#overlay", "data-shapes")) >= 1);
  await page.selectOption("select[aria-label=Collection]", "console-people");
  await page.click("#run-search");
  await page.waitForSelector("#matches li", { timeout: 60000 });
  assert.match(await page.textContent("#matches"), /obama/);
  await shot("s3-analyse-faces");
});

test("a collection's faces with their crops", async () => {
  await page.goto(`${UI}#/rekognition`);
  await page.click("#collections >> text=console-people");
  await page.waitForSelector("#faces-table img.crop");
  await page.waitForFunction(() => [...document.querySelectorAll("#faces-table img.crop")]
    .every((i) => i.complete && i.naturalWidth > 0));
  const sizes = await page.evaluate(() => [...document.querySelectorAll("#faces-table img.crop")]
    .map((i) => [i.naturalWidth, i.naturalHeight]));
  assert.ok(sizes.length >= 1 && sizes.every(([w, hh]) => w > 20 && w <= 112 && hh > 20 && hh <= 112), JSON.stringify(sizes));
  assert.match(await page.textContent("#faces-table"), /obama/);
  await shot("rekognition");
});

test("a request followed in the live log, opened whole with its signature masked", async () => {
  await page.goto(`${UI}#/requests`);
  await page.waitForSelector("#requests tbody tr");
  const s3 = new S3Client({ endpoint: URL_, forcePathStyle: true, region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" } });
  await s3.send(new PutObjectCommand({ Bucket: "console-photos", Key: "live/marker.txt", Body: "followed live" }));
  const row = page.locator("#requests tbody tr", { hasText: "/console-photos/live/marker.txt" });
  await row.first().waitFor({ timeout: 10000 });
  await page.fill("#request-filter", "marker");
  assert.equal(await page.locator("#requests tbody tr:visible").count(), 1);
  await row.first().click();
  await page.waitForSelector("#request-detail pre");
  const detail = await page.textContent("#request-detail");
  assert.match(detail, /PutObject/);
  assert.match(detail, /followed live/);
  assert.match(detail, /Signature=\*\*\*\*/);
  await shot("requests");
});

test("a table paged through, 25 items a page", async () => {
  await page.goto(`${UI}#/dynamodb`);
  await page.click("#tables >> text=console-table");
  await page.waitForSelector("#item-table tbody tr");
  assert.equal(await page.locator("#item-table tbody tr").count(), 25);
  await shot("dynamodb");
  await page.click("#next-page");
  await page.waitForFunction(() => document.querySelector("#page-number")?.textContent === "page 2");
  assert.equal(await page.locator("#item-table tbody tr").count(), 25);
  await page.click("#next-page");
  await page.waitForFunction(() => document.querySelector("#page-number")?.textContent === "page 3");
  assert.equal(await page.locator("#item-table tbody tr").count(), 10);
  assert.ok(await page.isDisabled("#next-page"));
});

test("a Lambda invocation and its log", async () => {
  await page.goto(`${UI}#/lambda`);
  await page.click("#functions >> text=console-fn");
  await page.waitForSelector("#invoke");
  await page.fill("textarea[aria-label=Payload]", '{"name": "console"}');
  await page.click("#invoke");
  await page.waitForSelector("#invoke-log", { timeout: 60000 });
  assert.match(await page.textContent("#invoke-log"), /hello from console/);
  assert.match(await page.textContent("#invoke-payload"), /"greeting": "hi console"/);
  // The invocation is listed with the others fogbank kept, its log with it.
  await page.waitForSelector("#invocation-table tbody tr");
  assert.match(await page.textContent("#invocation-table"), /Succeeded[\s\S]*hello from console/);
  await shot("lambda");
});

test("queues with their counts", async () => {
  await page.goto(`${UI}#/sqs`);
  await page.waitForSelector("#queues td");
  assert.match(await page.textContent("#queues"), /console-queue\s*2/);
  await page.click("#queues >> text=console-queue");
  await page.waitForSelector("#messages tbody tr");
  assert.equal(await page.locator("#messages tbody tr").count(), 2);
  assert.match(await page.textContent("#messages"), /Visible[\s\S]*one[\s\S]*Visible[\s\S]*two/);
  await shot("sqs");
  // Peeking received nothing: the counts are as they were.
  await page.goto(`${UI}#/sqs`);
  await page.waitForSelector("#queues td");
  assert.match(await page.textContent("#queues"), /console-queue\s*2\s*0/);
});

test("an instance and its console output", async () => {
  await page.goto(`${UI}#/ec2`);
  const id = process.env.FOGBANK_INSTANCE;
  await page.click(`#instances >> text=${id}`);
  await page.waitForSelector("#console-output");
  assert.match(await page.textContent("#console-output"), /hello from the console instance/);
  await shot("ec2");
});

test("IAM roles with their trust policies", async () => {
  await page.goto(`${UI}#/iam`);
  await page.waitForSelector("#roles td");
  assert.match(await page.textContent("#roles"), /console-role[\s\S]*lambda\.amazonaws\.com/);
  await shot("iam");
});

test("the service clock read and advanced from the admin page", async () => {
  await page.goto(`${UI}#/admin`);
  await page.waitForFunction(() => /\(0 s ahead/.test(document.querySelector("#clock")?.textContent || ""));
  await page.fill("input[aria-label=Seconds]", "3600");
  await page.click("text=Advance clock (seconds)");
  await page.waitForFunction(() => /\(3600 s ahead/.test(document.querySelector("#clock")?.textContent || ""));
  await page.waitForSelector("pre.json");
  assert.match(await page.textContent("pre.json"), /"version"/);
  await shot("admin");
});

test("upload, delete, put an item and send a message from the pages", async () => {
  await page.goto(`${UI}#/s3/b/console-photos?prefix=${encodeURIComponent("in/")}`);
  await page.setInputFiles("input[type=file]", { name: "uploaded.txt", mimeType: "text/plain", buffer: Buffer.from("from the page") });
  await page.click("text=Upload");
  await page.waitForSelector("#objects >> text=uploaded.txt");
  await page.click("#objects >> text=uploaded.txt");
  await page.waitForSelector("#metadata");
  assert.match(await page.textContent("#metadata"), /content-length\s*13/);
  page.once("dialog", (d) => d.accept());
  await page.click("button.danger >> text=Delete");
  await page.waitForSelector("#objects");
  assert.equal(await page.locator("#objects >> text=uploaded.txt").count(), 0);

  await page.goto(`${UI}#/dynamodb/t/console-table`);
  await page.waitForSelector("#item-table");
  await page.fill("textarea[aria-label='Item JSON']", '{"pk": {"S": "from-the-page"}, "n": {"N": "99"}}');
  await page.click("text=Put item");
  await page.waitForSelector("text=Item written.");
  await page.fill("input[aria-label='Partition key value']", "from-the-page");
  await page.click("form.inline >> text=Query");
  await page.waitForFunction(() => document.querySelectorAll("#item-table tbody tr").length === 1);
  assert.match(await page.textContent("#item-table"), /from-the-page\s*99/);

  await page.goto(`${UI}#/sqs`);
  await page.click("#queues >> text=console-queue");
  await page.waitForSelector("#messages");
  await page.fill("textarea[aria-label='Message body']", "sent from the page");
  await page.click("text=Send message");
  await page.waitForSelector("text=/Sent [0-9a-f-]+/");
});

test("readable on a phone-width window", async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${UI}#/s3/b/console-photos`);
  await page.waitForSelector("#objects");
  const overflow = await page.evaluate(() => document.scrollingElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `horizontal overflow: ${overflow}px`);
  await shot("phone");
  await page.setViewportSize({ width: 1280, height: 900 });
});

test("no script error or policy violation on any page", () => {
  assert.deepEqual(errors, []);
});
