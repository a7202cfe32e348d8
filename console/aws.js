// AWS requests from the browser, signed with Signature Version 4 like any SDK's, to the
// fogbank that served the console. Credentials and region come from the settings (stored in
// this browser only; test/test and us-east-1 by default, which fogbank accepts unless it runs
// with strict authentication).
import { hex, hmac, sha256 } from "./sha256.js";

const SETTINGS = "fogbank.console.settings";

export function settings() {
  const saved = JSON.parse(localStorage.getItem(SETTINGS) || "{}");
  return { accessKey: "test", secretKey: "test", region: "us-east-1", ...saved };
}

export function saveSettings(s) {
  localStorage.setItem(SETTINGS, JSON.stringify(s));
}

// RFC 3986 encoding, as SigV4 canonicalises: everything but unreserved characters.
export function uriEncode(s, keepSlash = false) {
  return Array.from(new TextEncoder().encode(s), (b) => {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-._~]/.test(c) || (keepSlash && c === "/")) return c;
    return "%" + b.toString(16).toUpperCase().padStart(2, "0");
  }).join("");
}

function amzDate(now) {
  return now.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

// Signs and sends one request. `path` is already encoded; `query` an object of strings.
export async function signedFetch(service, method, path, { query = {}, body = "", headers = {} } = {}) {
  const { accessKey, secretKey, region } = settings();
  const payload = body instanceof Uint8Array ? body : new TextEncoder().encode(body);
  const payloadHash = hex(sha256(payload));
  const date = amzDate(new Date());
  const day = date.slice(0, 8);
  const all = { ...headers, host: location.host, "x-amz-date": date, "x-amz-content-sha256": payloadHash };
  const names = Object.keys(all).map((n) => n.toLowerCase()).sort();
  const lower = Object.fromEntries(Object.entries(all).map(([k, v]) => [k.toLowerCase(), String(v).trim()]));
  const canonicalQuery = Object.keys(query).sort()
    .map((k) => `${uriEncode(k)}=${uriEncode(String(query[k]))}`).join("&");
  const canonical = [method, path, canonicalQuery, names.map((n) => `${n}:${lower[n]}\n`).join(""),
    names.join(";"), payloadHash].join("\n");
  const scope = `${day}/${region}/${service}/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", date, scope, hex(sha256(canonical))].join("\n");
  let key = hmac("AWS4" + secretKey, day);
  for (const part of [region, service, "aws4_request"]) key = hmac(key, part);
  const signature = hex(hmac(key, toSign));
  const sent = { ...headers, "x-amz-date": date, "x-amz-content-sha256": payloadHash,
    authorization: `AWS4-HMAC-SHA256 Credential=${accessKey}/${scope}, SignedHeaders=${names.join(";")}, Signature=${signature}` };
  const url = path + (canonicalQuery ? "?" + canonicalQuery : "");
  return fetch(url, { method, headers: sent, body: method === "GET" || method === "HEAD" ? undefined : payload });
}

export class AwsError extends Error {
  constructor(status, code, message) {
    super(`${code}: ${message}`);
    this.status = status;
    this.code = code;
  }
}

function xmlError(status, text) {
  const doc = new DOMParser().parseFromString(text, "application/xml");
  const get = (n) => doc.getElementsByTagName(n)[0]?.textContent || "";
  return new AwsError(status, get("Code") || String(status), get("Message") || text.slice(0, 200));
}

// --- S3 (REST-XML, path-style) ---
export async function s3(method, bucket = "", key = "", opts = {}) {
  const path = "/" + (bucket ? uriEncode(bucket) + "/" + uriEncode(key, true) : "");
  const res = await signedFetch("s3", method, path, opts);
  if (!res.ok) throw xmlError(res.status, await res.text());
  return res;
}

export async function s3Xml(method, bucket, key, opts) {
  const res = await s3(method, bucket, key, opts);
  return new DOMParser().parseFromString(await res.text(), "application/xml");
}

// --- JSON protocols (DynamoDB, SQS, Rekognition, Lambda's REST-JSON) ---
const TARGETS = {
  dynamodb: ["DynamoDB_20120810", "1.0"],
  sqs: ["AmazonSQS", "1.0"],
  rekognition: ["RekognitionService", "1.1"],
};

export async function call(service, operation, input = {}) {
  const [prefix, version] = TARGETS[service];
  const res = await signedFetch(service, "POST", "/", {
    body: JSON.stringify(input),
    headers: { "content-type": `application/x-amz-json-${version}`, "x-amz-target": `${prefix}.${operation}` },
  });
  const text = await res.text();
  const out = text ? JSON.parse(text) : {};
  if (!res.ok) {
    const code = (out.__type || res.headers.get("x-amzn-errortype") || String(res.status)).split("#").pop();
    throw new AwsError(res.status, code, out.message || out.Message || text.slice(0, 200));
  }
  return out;
}

export async function lambda(method, path, { body, headers = {}, query = {} } = {}) {
  const res = await signedFetch("lambda", method, path, {
    query,
    body: body === undefined ? "" : typeof body === "string" ? body : JSON.stringify(body),
    headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
  });
  const text = await res.text();
  if (!res.ok) {
    let out = {};
    try { out = JSON.parse(text); } catch { /* not JSON */ }
    const code = (res.headers.get("x-amzn-errortype") || out.__type || String(res.status)).split(":")[0];
    throw new AwsError(res.status, code, out.message || out.Message || text.slice(0, 200));
  }
  return { res, text, json: () => (text ? JSON.parse(text) : {}) };
}

// --- Query protocol (EC2, IAM): form-encoded actions, XML answers ---
const VERSIONS = { ec2: "2016-11-15", iam: "2010-05-08" };

export async function query(service, action, params = {}) {
  const form = new URLSearchParams({ Action: action, Version: VERSIONS[service], ...params }).toString();
  const res = await signedFetch(service, "POST", "/", {
    body: form, headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
  });
  const text = await res.text();
  if (!res.ok) throw xmlError(res.status, text);
  return new DOMParser().parseFromString(text, "application/xml");
}

// --- fogbank's own endpoints ---
// fogbank's views of one service (/_fogbank/sqs/..., /_fogbank/lambda/...), signed like the
// service's API, since they are scoped to the caller's account.
export async function fogbankSigned(service, path, query = {}) {
  const res = await signedFetch(service, "GET", "/_fogbank/" + path, { query });
  const text = await res.text();
  if (!res.ok) {
    let code = String(res.status), message = text.slice(0, 200);
    try { const o = JSON.parse(text); code = (o.__type || code).split("#").pop(); message = o.message || o.Message || message; }
    catch { const e = xmlError(res.status, text); code = e.code; message = e.message; }
    throw new AwsError(res.status, code, message);
  }
  return JSON.parse(text);
}

// The same for a view that answers bytes (a face's JPEG): a blob: URL for an <img>.
export async function fogbankImage(service, path, query = {}) {
  const res = await signedFetch(service, "GET", "/_fogbank/" + path, { query });
  if (!res.ok) throw new AwsError(res.status, String(res.status), (await res.text()).slice(0, 200));
  return URL.createObjectURL(await res.blob());
}

export async function fogbank(method, path, body) {
  const res = await fetch("/_fogbank/" + path, {
    method, headers: body ? { "content-type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const out = await res.json();
  if (!res.ok) throw new AwsError(res.status, out.error || String(res.status), out.message || "");
  return out;
}
