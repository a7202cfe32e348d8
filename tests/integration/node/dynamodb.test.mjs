// fogbank DynamoDB driven by @aws-sdk/client-dynamodb and the document client in
// @aws-sdk/lib-dynamodb: the SDK checks every x-amz-crc32 the server sends, and its waiters,
// paginators and error classes must all work unchanged.
import { test, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import {
  DynamoDBClient, CreateTableCommand, DescribeTableCommand, UpdateTableCommand,
  DeleteTableCommand, ListTablesCommand, PutItemCommand, UpdateItemCommand,
  waitUntilTableExists, waitUntilTableNotExists, paginateListTables,
  ConditionalCheckFailedException, TransactionCanceledException, ResourceNotFoundException,
  ResourceInUseException,
} from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient, PutCommand, GetCommand, UpdateCommand, DeleteCommand, QueryCommand,
  ScanCommand, BatchWriteCommand, BatchGetCommand, TransactWriteCommand, TransactGetCommand,
  paginateQuery, paginateScan,
} from "@aws-sdk/lib-dynamodb";

const endpoint = process.env.FOGBANK_URL;
assert.ok(endpoint, "FOGBANK_URL must point at a running fogbank");
const client = new DynamoDBClient({
  endpoint, region: "us-east-1", maxAttempts: 1,
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
});
const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
after(() => client.destroy());
beforeEach(async () => {
  const r = await fetch(`${endpoint}/_fogbank/reset`, { method: "POST" });
  assert.equal(r.status, 200);
});

async function rejects(promise, cls) {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${e.name}: ${e.message}`);
    return e;
  }
  assert.fail(`expected ${cls.name}`);
}

async function makeTable(TableName, extra = {}) {
  await client.send(new CreateTableCommand({
    TableName, BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }, { AttributeName: "sk", AttributeType: "N" },
      ...(extra.AttributeDefinitions ?? [])],
    KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }, { AttributeName: "sk", KeyType: "RANGE" }],
    GlobalSecondaryIndexes: extra.GlobalSecondaryIndexes,
    DeletionProtectionEnabled: extra.DeletionProtectionEnabled,
  }));
  await waitUntilTableExists({ client, maxWaitTime: 5, minDelay: 1 }, { TableName });
}

test("tables: create, waiters, list pages, protection, delete", async () => {
  for (const n of ["tbl-a", "tbl-b", "tbl-c"]) await makeTable(n);
  await rejects(makeTable("tbl-a"), ResourceInUseException);
  const names = [];
  for await (const page of paginateListTables({ client, pageSize: 2 }, {})) names.push(...page.TableNames);
  assert.deepEqual(names, ["tbl-a", "tbl-b", "tbl-c"]);
  const t = (await client.send(new DescribeTableCommand({ TableName: "tbl-a" }))).Table;
  assert.equal(t.TableStatus, "ACTIVE");
  assert.ok(t.CreationDateTime instanceof Date);
  await makeTable("guarded", { DeletionProtectionEnabled: true });
  await assert.rejects(client.send(new DeleteTableCommand({ TableName: "guarded" })), /protected against deletion/);
  await client.send(new UpdateTableCommand({ TableName: "guarded", DeletionProtectionEnabled: false }));
  await client.send(new DeleteTableCommand({ TableName: "guarded" }));
  await waitUntilTableNotExists({ client, maxWaitTime: 5, minDelay: 1 }, { TableName: "guarded" });
  await rejects(client.send(new DescribeTableCommand({ TableName: "guarded" })), ResourceNotFoundException);
  assert.equal((await client.send(new ListTablesCommand({}))).TableNames.length, 3);
});

test("document client: native values, conditions, ReturnValues", async () => {
  await makeTable("docs");
  const item = { pk: "user", sk: 1, name: "Ann", tags: new Set(["a", "b"]), nested: { list: [1, "two", null] }, ok: true };
  await doc.send(new PutCommand({ TableName: "docs", Item: item, ConditionExpression: "attribute_not_exists(pk)" }));
  const got = (await doc.send(new GetCommand({ TableName: "docs", Key: { pk: "user", sk: 1 } }))).Item;
  assert.deepEqual(got, item);
  const e = await rejects(
    doc.send(new PutCommand({ TableName: "docs", Item: item, ConditionExpression: "attribute_not_exists(pk)",
      ReturnValuesOnConditionCheckFailure: "ALL_OLD" })),
    ConditionalCheckFailedException);
  assert.equal(e.Item.name.S, "Ann");  // the item as it was, in the error
  const upd = await doc.send(new UpdateCommand({
    TableName: "docs", Key: { pk: "user", sk: 1 }, ReturnValues: "UPDATED_NEW",
    UpdateExpression: "SET #n = :n, cnt = if_not_exists(cnt, :z) + :one ADD tags :t REMOVE ok",
    ExpressionAttributeNames: { "#n": "name" },
    ExpressionAttributeValues: { ":n": "Bea", ":z": 0, ":one": 1, ":t": new Set(["c"]) },
  }));
  assert.deepEqual(upd.Attributes, { name: "Bea", cnt: 1, tags: new Set(["a", "b", "c"]) });
  const del = await doc.send(new DeleteCommand({ TableName: "docs", Key: { pk: "user", sk: 1 }, ReturnValues: "ALL_OLD" }));
  assert.equal(del.Attributes.name, "Bea");
  await assert.rejects(
    doc.send(new UpdateCommand({ TableName: "docs", Key: { pk: "user", sk: 1 }, UpdateExpression: "SET size = :v",
      ExpressionAttributeValues: { ":v": 1 } })),
    /reserved keyword; reserved keyword: size/);
});

test("low-level client: exact numbers and validation", async () => {
  await makeTable("nums");
  const big = "99999999999999999999999999999999999999";
  await client.send(new PutItemCommand({ TableName: "nums", Item: { pk: { S: "n" }, sk: { N: "1" }, v: { N: big } } }));
  const minus = (d) => client.send(new UpdateItemCommand({
    TableName: "nums", Key: { pk: { S: "n" }, sk: { N: "1" } }, UpdateExpression: "SET v = v - :d",
    ExpressionAttributeValues: { ":d": { N: d } }, ReturnValues: "ALL_NEW" }));
  assert.equal((await minus("1")).Attributes.v.N, "99999999999999999999999999999999999998");
  // The exact result would need 39 digits: DynamoDB refuses rather than rounding.
  await assert.rejects(minus("0.5"), /more than 38 significant digits/);
  await assert.rejects(
    client.send(new PutItemCommand({ TableName: "nums", Item: { pk: { S: "n" }, sk: { S: "x" } } })),
    (err) => err.name === "ValidationException" && /Type mismatch for key sk expected: N actual: S/.test(err.message));
});

test("query and scan pages through an index", async () => {
  await makeTable("events", {
    AttributeDefinitions: [{ AttributeName: "kind", AttributeType: "S" }],
    GlobalSecondaryIndexes: [{ IndexName: "byKind", KeySchema: [{ AttributeName: "kind", KeyType: "HASH" },
      { AttributeName: "sk", KeyType: "RANGE" }], Projection: { ProjectionType: "ALL" } }],
  });
  const puts = [];
  for (let i = 0; i < 60; i++) puts.push({ PutRequest: { Item: { pk: `cam${i % 3}`, sk: i, kind: i % 2 ? "face" : "car" } } });
  for (let i = 0; i < puts.length; i += 25)
    await doc.send(new BatchWriteCommand({ RequestItems: { events: puts.slice(i, i + 25) } }));
  const seen = [];
  for await (const page of paginateQuery({ client: doc, pageSize: 7 }, {
    TableName: "events", IndexName: "byKind", KeyConditionExpression: "kind = :k AND sk BETWEEN :a AND :b",
    ExpressionAttributeValues: { ":k": "face", ":a": 10, ":b": 40 }, ScanIndexForward: false })) {
    seen.push(...page.Items.map((i) => i.sk));
  }
  assert.deepEqual(seen, [39, 37, 35, 33, 31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11]);
  let count = 0;
  for await (const page of paginateScan({ client: doc, pageSize: 13 }, { TableName: "events", FilterExpression: "pk = :p",
    ExpressionAttributeValues: { ":p": "cam1" } })) count += page.Count;
  assert.equal(count, 20);
  const got = await doc.send(new BatchGetCommand({ RequestItems: { events: { Keys: [{ pk: "cam0", sk: 0 }, { pk: "cam1", sk: 1 }] } } }));
  assert.equal(got.Responses.events.length, 2);
  const q = await doc.send(new QueryCommand({ TableName: "events", KeyConditionExpression: "pk = :p",
    ExpressionAttributeValues: { ":p": "cam2" }, Select: "COUNT" }));
  assert.equal(q.Count, 20);
  const s = await doc.send(new ScanCommand({ TableName: "events", Limit: 5 }));
  assert.equal(s.Items.length, 5);
  assert.ok(s.LastEvaluatedKey);
});

test("transactions: cancellation reasons and reads", async () => {
  await makeTable("bank");
  await doc.send(new PutCommand({ TableName: "bank", Item: { pk: "a", sk: 0, bal: 10 } }));
  const e = await rejects(doc.send(new TransactWriteCommand({ TransactItems: [
    { Put: { TableName: "bank", Item: { pk: "b", sk: 0, bal: 5 } } },
    { Update: { TableName: "bank", Key: { pk: "a", sk: 0 }, UpdateExpression: "SET bal = bal - :x",
      ConditionExpression: "bal >= :x", ExpressionAttributeValues: { ":x": 20 } } },
  ] })), TransactionCanceledException);
  assert.deepEqual(e.CancellationReasons.map((r) => r.Code), ["None", "ConditionalCheckFailed"]);
  const r = await doc.send(new TransactGetCommand({ TransactItems: [
    { Get: { TableName: "bank", Key: { pk: "a", sk: 0 } } }, { Get: { TableName: "bank", Key: { pk: "b", sk: 0 } } }] }));
  assert.equal(r.Responses[0].Item.bal, 10);
  assert.equal(r.Responses[1].Item, undefined);
});

test("streams: @aws-sdk/client-dynamodb-streams reads every change in order", async () => {
  const { DynamoDBStreamsClient, ListStreamsCommand, DescribeStreamCommand, GetShardIteratorCommand,
    GetRecordsCommand, ExpiredIteratorException } = await import("@aws-sdk/client-dynamodb-streams");
  const streams = new DynamoDBStreamsClient({
    endpoint, region: "us-east-1", maxAttempts: 1,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  try {
    await client.send(new CreateTableCommand({
      TableName: "js-stream", BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
      StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" },
    }));
    await doc.send(new PutCommand({ TableName: "js-stream", Item: { pk: "a", n: 1 } }));
    await doc.send(new UpdateCommand({ TableName: "js-stream", Key: { pk: "a" }, UpdateExpression: "SET n = n + :one",
      ExpressionAttributeValues: { ":one": 1 } }));
    await doc.send(new DeleteCommand({ TableName: "js-stream", Key: { pk: "a" } }));
    const { Streams } = await streams.send(new ListStreamsCommand({ TableName: "js-stream" }));
    assert.equal(Streams.length, 1);
    const desc = await streams.send(new DescribeStreamCommand({ StreamArn: Streams[0].StreamArn }));
    assert.equal(desc.StreamDescription.StreamStatus, "ENABLED");
    const { ShardIterator } = await streams.send(new GetShardIteratorCommand({
      StreamArn: Streams[0].StreamArn, ShardId: desc.StreamDescription.Shards[0].ShardId,
      ShardIteratorType: "TRIM_HORIZON" }));
    const { Records } = await streams.send(new GetRecordsCommand({ ShardIterator }));
    assert.deepEqual(Records.map((r) => r.eventName), ["INSERT", "MODIFY", "REMOVE"]);
    assert.deepEqual(Records[1].dynamodb.NewImage.n, { N: "2" });
    assert.deepEqual(Records[1].dynamodb.OldImage.n, { N: "1" });
    assert.ok(Records[0].dynamodb.ApproximateCreationDateTime instanceof Date);
    // Fifteen minutes on the service clock later the iterator has expired.
    const r = await fetch(`${endpoint}/_fogbank/clock`, { method: "POST", body: JSON.stringify({ advance_seconds: 960 }),
      headers: { "Content-Type": "application/json" } });
    assert.equal(r.status, 200);
    await rejects(streams.send(new GetRecordsCommand({ ShardIterator })), ExpiredIteratorException);
  } finally {
    streams.destroy();
  }
});
