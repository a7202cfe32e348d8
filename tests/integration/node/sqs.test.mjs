// fogbank SQS driven by the AWS SDK for JavaScript v3, which speaks the AWS JSON 1.0 protocol
// and checks every MD5 the server returns (a wrong digest fails the call).
import { test, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import {
  SQSClient, CreateQueueCommand, GetQueueUrlCommand, ListQueuesCommand, DeleteQueueCommand,
  GetQueueAttributesCommand, SetQueueAttributesCommand, PurgeQueueCommand, TagQueueCommand,
  UntagQueueCommand, ListQueueTagsCommand, ListDeadLetterSourceQueuesCommand, SendMessageCommand,
  SendMessageBatchCommand, ReceiveMessageCommand, DeleteMessageCommand, DeleteMessageBatchCommand,
  ChangeMessageVisibilityCommand, ChangeMessageVisibilityBatchCommand, AddPermissionCommand,
  RemovePermissionCommand, StartMessageMoveTaskCommand, ListMessageMoveTasksCommand,
  CancelMessageMoveTaskCommand, paginateListQueues,
} from "@aws-sdk/client-sqs";

const endpoint = process.env.FOGBANK_URL;
assert.ok(endpoint, "FOGBANK_URL must point at a running fogbank");
const sqs = new SQSClient({
  endpoint, region: "us-east-1", maxAttempts: 1,
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
});
after(() => sqs.destroy());
beforeEach(async () => {
  const r = await fetch(`${endpoint}/_fogbank/reset`, { method: "POST" });
  assert.equal(r.status, 200);
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function rejects(promise, name, code, status) {
  try {
    await promise;
  } catch (e) {
    assert.equal(e.name, name, `expected ${name}, got ${e.name}: ${e.message}`);
    if (code) assert.equal(e.Code, code);
    if (status) assert.equal(e.$metadata.httpStatusCode, status);
    return e;
  }
  assert.fail(`expected ${name}`);
}

async function arnOf(QueueUrl) {
  const r = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }));
  return r.Attributes.QueueArn;
}

test("queue lifecycle over JSON", async () => {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({
    QueueName: "js-queue", Attributes: { VisibilityTimeout: "20" }, tags: { team: "vision" } }));
  assert.match(QueueUrl, /\/000000000000\/js-queue$/);
  assert.equal((await sqs.send(new GetQueueUrlCommand({ QueueName: "js-queue" }))).QueueUrl, QueueUrl);
  for (let i = 0; i < 4; i++) await sqs.send(new CreateQueueCommand({ QueueName: `page-${i}` }));
  const names = [];
  for await (const page of paginateListQueues({ client: sqs, pageSize: 2 }, { QueueNamePrefix: "page-" }))
    names.push(...(page.QueueUrls ?? []).map((u) => u.split("/").pop()));
  assert.deepEqual(names, ["page-0", "page-1", "page-2", "page-3"]);
  const attrs = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["All"] }))).Attributes;
  assert.equal(attrs.VisibilityTimeout, "20");
  assert.equal(attrs.QueueArn, "arn:aws:sqs:us-east-1:000000000000:js-queue");
  await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { DelaySeconds: "4" } }));
  const d = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["DelaySeconds"] }));
  assert.deepEqual(d.Attributes, { DelaySeconds: "4" });
  await sqs.send(new TagQueueCommand({ QueueUrl, Tags: { env: "ci" } }));
  await sqs.send(new UntagQueueCommand({ QueueUrl, TagKeys: ["team"] }));
  assert.deepEqual((await sqs.send(new ListQueueTagsCommand({ QueueUrl }))).Tags, { env: "ci" });
  await sqs.send(new AddPermissionCommand({ QueueUrl, Label: "l1", AWSAccountIds: ["111122223333"], Actions: ["SendMessage"] }));
  await sqs.send(new RemovePermissionCommand({ QueueUrl, Label: "l1" }));
  await sqs.send(new PurgeQueueCommand({ QueueUrl }));
  await rejects(sqs.send(new PurgeQueueCommand({ QueueUrl })), "PurgeQueueInProgress",
    "AWS.SimpleQueueService.PurgeQueueInProgress", 403);
  await sqs.send(new DeleteQueueCommand({ QueueUrl }));
  await rejects(sqs.send(new GetQueueUrlCommand({ QueueName: "js-queue" })), "QueueDoesNotExist",
    "AWS.SimpleQueueService.NonExistentQueue", 400);
  await rejects(sqs.send(new CreateQueueCommand({ QueueName: "js-queue" })), "QueueDeletedRecently",
    "AWS.SimpleQueueService.QueueDeletedRecently", 400);
});

test("JSON errors carry the query-compatible code", async () => {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "errs" }));
  await rejects(sqs.send(new CreateQueueCommand({ QueueName: "errs", Attributes: { DelaySeconds: "9" } })),
    "QueueNameExists", "QueueAlreadyExists", 400);
  await rejects(sqs.send(new CreateQueueCommand({ QueueName: "x", Attributes: { Nope: "1" } })),
    "InvalidAttributeName", "InvalidAttributeName", 400);
  await rejects(sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: "bogus" })),
    "ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid", 404);
  await rejects(sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [] })),
    "EmptyBatchRequest", "AWS.SimpleQueueService.EmptyBatchRequest", 400);
  await rejects(sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, MessageBody: "x" })) })),
    "TooManyEntriesInBatchRequest", "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", 400);
  await rejects(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "\u0001" })),
    "InvalidMessageContents", "InvalidMessageContents", 400);
  const e = await rejects(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "x", DelaySeconds: 901 })),
    "InvalidParameterValue", "InvalidParameterValue", 400);
  assert.match(e.message, /DelaySeconds/);
  await rejects(sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 11 })),
    "InvalidParameterValue", "InvalidParameterValue", 400);
});

test("messages, attributes and MD5s over JSON", async () => {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "msgs" }));
  const MessageAttributes = {
    s: { DataType: "String", StringValue: "value ✓" },
    n: { DataType: "Number.int", StringValue: "-12.5e3" },
    b: { DataType: "Binary", BinaryValue: new Uint8Array([0, 1, 2, 255]) },
  };
  const sent = await sqs.send(new SendMessageCommand({
    QueueUrl, MessageBody: "body ☃", MessageAttributes,
    MessageSystemAttributes: { AWSTraceHeader: { DataType: "String", StringValue: "Root=1-abc" } } }));
  assert.ok(sent.MD5OfMessageAttributes && sent.MD5OfMessageSystemAttributes);
  const r = await sqs.send(new ReceiveMessageCommand({
    QueueUrl, MessageAttributeNames: ["All"], MessageSystemAttributeNames: ["All"] }));
  const [m] = r.Messages;
  assert.equal(m.Body, "body ☃");
  assert.equal(m.MessageAttributes.s.StringValue, "value ✓");
  assert.deepEqual([...m.MessageAttributes.b.BinaryValue], [0, 1, 2, 255]);
  assert.equal(m.Attributes.AWSTraceHeader, "Root=1-abc");
  assert.equal(m.Attributes.ApproximateReceiveCount, "1");
  await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 }));
  const again = (await sqs.send(new ReceiveMessageCommand({ QueueUrl, AttributeNames: ["ApproximateReceiveCount"] }))).Messages[0];
  assert.equal(again.Attributes.ApproximateReceiveCount, "2");
  await rejects(sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 5 })),
    "InvalidParameterValue");
  await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: again.ReceiptHandle }));
  assert.equal((await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages, undefined);
});

test("batches over JSON report each entry", async () => {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "batches" }));
  const sent = await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [
    { Id: "a", MessageBody: "one" }, { Id: "b", MessageBody: "two", DelaySeconds: 0 },
    { Id: "c", MessageBody: "bad \u0000" }] }));
  assert.deepEqual(sent.Successful.map((s) => s.Id).sort(), ["a", "b"]);
  assert.deepEqual(sent.Failed.map((f) => [f.Id, f.Code, f.SenderFault]), [["c", "InvalidMessageContents", true]]);
  const got = (await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }))).Messages;
  assert.equal(got.length, 2);
  const vis = await sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl, Entries: [
    { Id: "x", ReceiptHandle: got[0].ReceiptHandle, VisibilityTimeout: 60 }, { Id: "y", ReceiptHandle: "nope", VisibilityTimeout: 1 }] }));
  assert.deepEqual(vis.Successful.map((s) => s.Id), ["x"]);
  assert.deepEqual(vis.Failed.map((f) => f.Code), ["ReceiptHandleIsInvalid"]);
  const del = await sqs.send(new DeleteMessageBatchCommand({ QueueUrl,
    Entries: got.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })) }));
  assert.equal(del.Successful.length, 2);
});

test("long poll wakes within milliseconds of a send", async () => {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "lp" }));
  const waiting = sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 10 }));
  await sleep(300);
  const t = performance.now();
  await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "now" }));
  const r = await waiting;
  assert.equal(r.Messages[0].Body, "now");
  assert.ok(performance.now() - t < 200, `woke after ${performance.now() - t} ms`);
});

test("FIFO over JSON", async () => {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({
    QueueName: "js.fifo", Attributes: { FifoQueue: "true", ContentBasedDeduplication: "true" } }));
  const a = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "1", MessageGroupId: "g" }));
  const b = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "1", MessageGroupId: "g" }));
  await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "2", MessageGroupId: "g" }));
  assert.equal(a.MessageId, b.MessageId);
  assert.match(a.SequenceNumber, /^\d{20}$/);
  const got = (await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }))).Messages;
  assert.deepEqual(got.map((m) => m.Body), ["1", "2"]);
});

test("dead-letter queue redrive with message move tasks", async () => {
  const dlq = (await sqs.send(new CreateQueueCommand({ QueueName: "dlq" }))).QueueUrl;
  const dlqArn = await arnOf(dlq);
  const src = (await sqs.send(new CreateQueueCommand({ QueueName: "src", Attributes: {
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1 }) } }))).QueueUrl;
  const srcArn = await arnOf(src);
  assert.deepEqual((await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlq }))).queueUrls, [src]);
  for (let i = 0; i < 5; i++) await sqs.send(new SendMessageCommand({ QueueUrl: src, MessageBody: `m${i}` }));
  // One receive each, then the next receive moves them all to the DLQ.
  for (let i = 0; i < 5; i++) await sqs.send(new ReceiveMessageCommand({ QueueUrl: src, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }));
  assert.equal((await sqs.send(new ReceiveMessageCommand({ QueueUrl: src, MaxNumberOfMessages: 10 }))).Messages, undefined);
  const count = async (QueueUrl) => Number((await sqs.send(new GetQueueAttributesCommand({
    QueueUrl, AttributeNames: ["ApproximateNumberOfMessages"] }))).Attributes.ApproximateNumberOfMessages);
  assert.equal(await count(dlq), 5);

  await rejects(sqs.send(new StartMessageMoveTaskCommand({ SourceArn: srcArn })), "InvalidParameterValue");
  await rejects(sqs.send(new StartMessageMoveTaskCommand({ SourceArn: "arn:aws:sqs:us-east-1:000000000000:none" })),
    "ResourceNotFoundException", "ResourceNotFoundException", 404);

  // A slow task (1 message/s) can be cancelled part-way.
  const { TaskHandle } = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn, MaxNumberOfMessagesPerSecond: 1 }));
  await rejects(sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn })), "UnsupportedOperation");
  await sleep(1500);
  const cancelled = await sqs.send(new CancelMessageMoveTaskCommand({ TaskHandle }));
  assert.ok(cancelled.ApproximateNumberOfMessagesMoved >= 1 && cancelled.ApproximateNumberOfMessagesMoved < 5,
    `moved ${cancelled.ApproximateNumberOfMessagesMoved}`);
  let tasks = (await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn }))).Results;
  assert.equal(tasks[0].Status, "CANCELLED");
  assert.equal(tasks[0].ApproximateNumberOfMessagesToMove, 5);

  // An unthrottled task moves the rest back to their source queue.
  await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn }));
  for (let i = 0; i < 50 && tasks[0].Status !== "COMPLETED"; i++) {
    await sleep(100);
    tasks = (await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn, MaxResults: 10 }))).Results;
  }
  assert.equal(tasks.length, 2);
  assert.equal(tasks[0].Status, "COMPLETED");
  assert.equal(await count(dlq), 0);
  assert.equal(await count(src), 5);
  const back = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: src, MaxNumberOfMessages: 10, AttributeNames: ["ApproximateReceiveCount"] }))).Messages;
  assert.deepEqual(back.map((m) => m.Body).sort(), ["m0", "m1", "m2", "m3", "m4"]);
  assert.equal(back[0].Attributes.ApproximateReceiveCount, "1");
  await rejects(sqs.send(new CancelMessageMoveTaskCommand({ TaskHandle })), "ResourceNotFoundException");
});
