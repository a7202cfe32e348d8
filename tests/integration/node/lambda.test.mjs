// fogbank Lambda and IAM driven by @aws-sdk/client-lambda and @aws-sdk/client-iam: functions
// in Node and Python, invocations of every type, typed errors, waiters and paginators.
import { test, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { crc32 } from "node:zlib";
import {
  LambdaClient, CreateFunctionCommand, GetFunctionCommand, InvokeCommand, DeleteFunctionCommand,
  UpdateFunctionConfigurationCommand, CreateFunctionUrlConfigCommand, CreateEventSourceMappingCommand,
  GetEventSourceMappingCommand, DeleteEventSourceMappingCommand, PutFunctionEventInvokeConfigCommand,
  paginateListFunctions, waitUntilFunctionActiveV2, waitUntilFunctionUpdatedV2,
  ResourceNotFoundException, ResourceConflictException, InvalidParameterValueException,
  InvalidRequestContentException,
} from "@aws-sdk/client-lambda";
import { IAMClient, CreateRoleCommand, GetRoleCommand, NoSuchEntityException } from "@aws-sdk/client-iam";
import { SQSClient, CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand,
         ReceiveMessageCommand } from "@aws-sdk/client-sqs";

const endpoint = process.env.FOGBANK_URL;
assert.ok(endpoint, "FOGBANK_URL must point at a running fogbank");
const config = {
  endpoint, region: "us-east-1", maxAttempts: 1,
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
};
const lambda = new LambdaClient(config);
const iam = new IAMClient(config);
const sqs = new SQSClient(config);
after(() => { lambda.destroy(); iam.destroy(); sqs.destroy(); });
beforeEach(async () => {
  const r = await fetch(`${endpoint}/_fogbank/reset`, { method: "POST" });
  assert.equal(r.status, 200);
});

const ROLE = "arn:aws:iam::000000000000:role/lambda-role";

// A zip of stored (uncompressed) entries: enough for a deployment package.
function zip(files) {
  const locals = [], centrals = [];
  let offset = 0;
  for (const [name, text] of Object.entries(files)) {
    const data = Buffer.from(text), nameBytes = Buffer.from(name), crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14); local.writeUInt32LE(data.length, 18); local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0); central.writeUInt16LE(0x031e, 4); central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16); central.writeUInt32LE(data.length, 20); central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28); central.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + data.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(centrals.length / 2, 8); end.writeUInt16LE(centrals.length / 2, 10);
  end.writeUInt32LE(dir.length, 12); end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

const NODE_APP = `
export const handler = async (event, context) => {
  if (event.fail) throw new RangeError("asked to fail");
  console.log("handling", context.awsRequestId);
  return { got: event, name: context.functionName, env: process.env.STAGE ?? null };
};`;

async function createNode(name, extra = {}) {
  await lambda.send(new CreateFunctionCommand({
    FunctionName: name, Runtime: "nodejs20.x", Role: ROLE, Handler: "index.handler",
    Code: { ZipFile: zip({ "index.mjs": NODE_APP }) }, ...extra,
  }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 20, minDelay: 1 }, { FunctionName: name });
}

async function invoke(name, payload, extra = {}) {
  const out = await lambda.send(new InvokeCommand({
    FunctionName: name, Payload: new TextEncoder().encode(JSON.stringify(payload)), ...extra,
  }));
  return { out, body: out.Payload?.length ? JSON.parse(new TextDecoder().decode(out.Payload)) : null };
}

async function rejects(promise, cls) {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${e.name}: ${e.message}`);
    return e;
  }
  assert.fail(`expected ${cls.name}`);
}

test("create, invoke with logs, update, and typed errors", async () => {
  await createNode("node-fn", { Environment: { Variables: { STAGE: "test" } } });
  const { out, body } = await invoke("node-fn", { a: 1 }, { LogType: "Tail" });
  assert.equal(out.StatusCode, 200);
  assert.equal(out.FunctionError, undefined);
  assert.deepEqual(body, { got: { a: 1 }, name: "node-fn", env: "test" });
  const log = Buffer.from(out.LogResult, "base64").toString();
  assert.match(log, /handling [0-9a-f-]{36}/);
  assert.match(log, /REPORT RequestId: /);
  const failed = await invoke("node-fn", { fail: true });
  assert.equal(failed.out.FunctionError, "Unhandled");
  assert.equal(failed.body.errorType, "RangeError");
  await lambda.send(new UpdateFunctionConfigurationCommand({
    FunctionName: "node-fn", Environment: { Variables: { STAGE: "prod" } } }));
  await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 20, minDelay: 1 }, { FunctionName: "node-fn" });
  assert.equal((await invoke("node-fn", {})).body.env, "prod");
  await rejects(lambda.send(new GetFunctionCommand({ FunctionName: "missing" })), ResourceNotFoundException);
  await rejects(createNode("node-fn"), ResourceConflictException);
  await rejects(lambda.send(new CreateFunctionCommand({
    FunctionName: "old", Runtime: "nodejs14.x", Role: ROLE, Handler: "index.handler",
    Code: { ZipFile: zip({ "index.mjs": NODE_APP }) } })), InvalidParameterValueException);
  await rejects(lambda.send(new InvokeCommand({ FunctionName: "node-fn", Payload: new TextEncoder().encode("{oops") })),
    InvalidRequestContentException);
});

test("python function, event invocation and paginated listing", async () => {
  await lambda.send(new CreateFunctionCommand({
    FunctionName: "py-fn", Runtime: "python3.12", Role: ROLE, Handler: "app.handler",
    Code: { ZipFile: zip({ "app.py": "def handler(event, context):\n    return {'double': event['n'] * 2}\n" }) },
  }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 20, minDelay: 1 }, { FunctionName: "py-fn" });
  assert.deepEqual((await invoke("py-fn", { n: 21 })).body, { double: 42 });
  const queued = await invoke("py-fn", { n: 1 }, { InvocationType: "Event" });
  assert.equal(queued.out.StatusCode, 202);
  const dry = await invoke("py-fn", {}, { InvocationType: "DryRun" });
  assert.equal(dry.out.StatusCode, 204);
  await createNode("node-a");
  const names = [];
  for await (const page of paginateListFunctions({ client: lambda, pageSize: 1 }, {}))
    names.push(...page.Functions.map((f) => f.FunctionName));
  assert.deepEqual(names, ["node-a", "py-fn"]);
  await lambda.send(new DeleteFunctionCommand({ FunctionName: "node-a" }));
});

test("function URL, async destination and SQS event source", async () => {
  await createNode("hooks");
  const url = await lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: "hooks", AuthType: "NONE" }));
  assert.match(url.FunctionUrl, /^http:\/\/[a-z0-9]{32}\.lambda-url\.us-east-1\.localhost:\d+\/$/);
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "node-dest" }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }));
  await lambda.send(new PutFunctionEventInvokeConfigCommand({
    FunctionName: "hooks", MaximumRetryAttempts: 0,
    DestinationConfig: { OnSuccess: { Destination: Attributes.QueueArn } } }));
  await invoke("hooks", { via: "event" }, { InvocationType: "Event" });
  const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 10 }));
  const record = JSON.parse(got.Messages[0].Body);
  assert.equal(record.requestContext.condition, "Success");
  assert.deepEqual(record.responsePayload.got, { via: "event" });
  const { QueueUrl: work } = await sqs.send(new CreateQueueCommand({ QueueName: "node-work" }));
  const workArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: work, AttributeNames: ["QueueArn"] }))).Attributes.QueueArn;
  const mapping = await lambda.send(new CreateEventSourceMappingCommand({
    EventSourceArn: workArn, FunctionName: "hooks", BatchSize: 2 }));
  assert.equal(mapping.BatchSize, 2);
  assert.equal((await lambda.send(new GetEventSourceMappingCommand({ UUID: mapping.UUID }))).State, "Enabled");
  await sqs.send(new SendMessageCommand({ QueueUrl: work, MessageBody: "from node" }));
  for (let i = 0; i < 100; i++) {
    const a = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: work, AttributeNames: ["All"] }));
    if (a.Attributes.ApproximateNumberOfMessages === "0" && a.Attributes.ApproximateNumberOfMessagesNotVisible === "0") break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const left = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: work, AttributeNames: ["All"] }));
  assert.equal(left.Attributes.ApproximateNumberOfMessagesNotVisible, "0");
  assert.equal(left.Attributes.ApproximateNumberOfMessages, "0");
  await lambda.send(new DeleteEventSourceMappingCommand({ UUID: mapping.UUID }));
});

test("IAM roles through @aws-sdk/client-iam", async () => {
  const trust = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow",
    Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }] });
  const { Role } = await iam.send(new CreateRoleCommand({ RoleName: "node-role", AssumeRolePolicyDocument: trust }));
  assert.equal(Role.Arn, "arn:aws:iam::000000000000:role/node-role");
  const got = await iam.send(new GetRoleCommand({ RoleName: "node-role" }));
  assert.deepEqual(JSON.parse(decodeURIComponent(got.Role.AssumeRolePolicyDocument)), JSON.parse(trust));
  await rejects(iam.send(new GetRoleCommand({ RoleName: "nobody" })), NoSuchEntityException);
});
