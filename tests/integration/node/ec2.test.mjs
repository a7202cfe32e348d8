// fogbank EC2 driven by the AWS SDK for JavaScript v3 (the ec2 protocol): an instance is a local
// process running its UserData; the SDK's waiters, filters, console output and errors.
import { test, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import {
  EC2Client, RunInstancesCommand, DescribeInstancesCommand, TerminateInstancesCommand,
  GetConsoleOutputCommand, DescribeImagesCommand, CreateTagsCommand, StopInstancesCommand,
  waitUntilInstanceRunning, waitUntilInstanceTerminated, waitUntilInstanceStopped,
  CreateKeyPairCommand, DescribeKeyPairsCommand, DeleteKeyPairCommand, CreateLaunchTemplateCommand,
  CreateLaunchTemplateVersionCommand, DescribeLaunchTemplateVersionsCommand,
} from "@aws-sdk/client-ec2";
import { createPrivateKey, createPublicKey } from "node:crypto";

const endpoint = process.env.FOGBANK_URL;
assert.ok(endpoint, "FOGBANK_URL must point at a running fogbank");
const ec2 = new EC2Client({
  endpoint, region: "us-east-1", maxAttempts: 1,
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
});
after(() => ec2.destroy());
beforeEach(async () => {
  const r = await fetch(`${endpoint}/_fogbank/reset`, { method: "POST" });
  assert.equal(r.status, 200);
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const waiter = { client: ec2, maxWaitTime: 30, minDelay: 1, maxDelay: 1 };

test("an instance runs its UserData and is terminated", async () => {
  const { Images } = await ec2.send(new DescribeImagesCommand({ Owners: ["amazon"] }));
  const image = Images.find((i) => i.Name === "fogbank-local-debian-12");
  assert.ok(image, "the local image is in the catalogue");
  const userData = Buffer.from("#!/bin/sh\necho node sdk instance $FOGBANK_INSTANCE_ID\n").toString("base64");
  const run = await ec2.send(new RunInstancesCommand({
    ImageId: image.ImageId, MinCount: 1, MaxCount: 1, InstanceType: "t3.micro", UserData: userData,
    TagSpecifications: [{ ResourceType: "instance", Tags: [{ Key: "suite", Value: "node" }] }],
  }));
  const id = run.Instances[0].InstanceId;
  assert.equal(run.Instances[0].State.Name, "pending");
  await waitUntilInstanceRunning(waiter, { InstanceIds: [id] });
  const found = await ec2.send(new DescribeInstancesCommand({
    Filters: [{ Name: "tag:suite", Values: ["node"] }, { Name: "instance-state-name", Values: ["running"] }],
  }));
  assert.deepEqual(found.Reservations.flatMap((r) => r.Instances.map((i) => i.InstanceId)), [id]);
  let output = "";
  for (let i = 0; i < 100 && !output.includes("node sdk instance"); i++) {
    const c = await ec2.send(new GetConsoleOutputCommand({ InstanceId: id }));
    output = Buffer.from(c.Output ?? "", "base64").toString();  // the JS SDK leaves it encoded
    await sleep(100);
  }
  assert.ok(output.includes(`node sdk instance ${id}`), output);
  await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
  await waitUntilInstanceTerminated(waiter, { InstanceIds: [id] });
});

test("stop waits for the process group; errors are EC2's", async () => {
  const run = await ec2.send(new RunInstancesCommand({
    ImageId: "ami-0f0b0a0c0000de12a", MinCount: 1, MaxCount: 1,
    UserData: Buffer.from("#!/bin/sh\nsleep 300\n").toString("base64"),
  }));
  const id = run.Instances[0].InstanceId;
  await waitUntilInstanceRunning(waiter, { InstanceIds: [id] });
  await ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
  await waitUntilInstanceStopped(waiter, { InstanceIds: [id] });
  try {
    await ec2.send(new CreateTagsCommand({ Resources: ["i-0123456789abcdef0"], Tags: [{ Key: "a", Value: "b" }] }));
    assert.fail("tagged a missing instance");
  } catch (e) {
    assert.equal(e.name, "InvalidInstanceID.NotFound");
    assert.equal(e.$metadata.httpStatusCode, 400);
  }
  try {
    await ec2.send(new RunInstancesCommand({ ImageId: "ami-0123456789abcdef0", MinCount: 1, MaxCount: 1 }));
    assert.fail("ran a missing image");
  } catch (e) {
    assert.equal(e.name, "InvalidAMIID.NotFound");
  }
});

test("a key pair is a real key; an instance launches from a launch template", async () => {
  const key = await ec2.send(new CreateKeyPairCommand({ KeyName: "node-key" }));
  // Node's own crypto reads the PEM: a 2048-bit RSA key, the public half of the one described.
  const priv = createPrivateKey(key.KeyMaterial);
  assert.equal(priv.asymmetricKeyType, "rsa");
  assert.equal(priv.asymmetricKeyDetails.modulusLength, 2048);
  const described = await ec2.send(new DescribeKeyPairsCommand({ KeyNames: ["node-key"], IncludePublicKey: true }));
  assert.equal(described.KeyPairs[0].KeyFingerprint, key.KeyFingerprint);
  const n = createPublicKey(priv).export({ format: "jwk" }).n;
  const blob = Buffer.from(described.KeyPairs[0].PublicKey.split(" ")[1], "base64");
  // ssh-rsa blob: string "ssh-rsa", mpint e, mpint n.
  let at = 4 + blob.readUInt32BE(0);
  at += 4 + blob.readUInt32BE(at);
  const modulus = blob.subarray(at + 4, at + 4 + blob.readUInt32BE(at));
  assert.equal(Buffer.from(n, "base64url").toString("hex"), modulus.toString("hex").replace(/^00/, ""));

  const lt = await ec2.send(new CreateLaunchTemplateCommand({
    LaunchTemplateName: "node-template",
    LaunchTemplateData: { ImageId: "ami-0f0b0a0c0000de12a", InstanceType: "t3.micro", KeyName: "node-key" },
  }));
  const v2 = await ec2.send(new CreateLaunchTemplateVersionCommand({
    LaunchTemplateId: lt.LaunchTemplate.LaunchTemplateId, SourceVersion: "1",
    LaunchTemplateData: { InstanceType: "t3.medium" },
  }));
  assert.equal(v2.LaunchTemplateVersion.VersionNumber, 2);
  const versions = await ec2.send(new DescribeLaunchTemplateVersionsCommand({
    LaunchTemplateName: "node-template", Versions: ["$Latest"],
  }));
  assert.deepEqual(versions.LaunchTemplateVersions[0].LaunchTemplateData,
    { ImageId: "ami-0f0b0a0c0000de12a", InstanceType: "t3.medium", KeyName: "node-key" });
  const run = await ec2.send(new RunInstancesCommand({
    MinCount: 1, MaxCount: 1, LaunchTemplate: { LaunchTemplateName: "node-template", Version: "$Latest" },
  }));
  assert.equal(run.Instances[0].InstanceType, "t3.medium");
  assert.equal(run.Instances[0].KeyName, "node-key");
  await ec2.send(new TerminateInstancesCommand({ InstanceIds: [run.Instances[0].InstanceId] }));
  await ec2.send(new DeleteKeyPairCommand({ KeyName: "node-key" }));
});
