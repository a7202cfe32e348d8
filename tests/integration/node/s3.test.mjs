// fogbank S3 driven by the AWS SDK for JavaScript v3 (the current SDK: CRC32 checksums by
// default, aws-chunked streaming uploads with trailers, lib-storage multipart).
import { test, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import {
  S3Client, CreateBucketCommand, HeadBucketCommand, ListBucketsCommand, DeleteBucketCommand,
  GetBucketLocationCommand, PutBucketTaggingCommand, GetBucketTaggingCommand, DeleteBucketTaggingCommand,
  PutBucketCorsCommand, GetBucketCorsCommand, DeleteBucketCorsCommand, GetBucketVersioningCommand,
  PutObjectCommand, GetObjectCommand, HeadObjectCommand, DeleteObjectCommand, DeleteObjectsCommand,
  CopyObjectCommand, PutObjectTaggingCommand, GetObjectTaggingCommand, DeleteObjectTaggingCommand,
  ListObjectsCommand, ListObjectsV2Command, paginateListObjectsV2,
  CreateMultipartUploadCommand, UploadPartCommand, UploadPartCopyCommand, CompleteMultipartUploadCommand,
  AbortMultipartUploadCommand, ListPartsCommand, ListMultipartUploadsCommand,
  GetPublicAccessBlockCommand, DeletePublicAccessBlockCommand, PutBucketPolicyCommand,
  GetBucketPolicyCommand, GetBucketPolicyStatusCommand, GetBucketOwnershipControlsCommand,
  GetBucketEncryptionCommand, PutBucketLifecycleConfigurationCommand,
  GetBucketLifecycleConfigurationCommand, GetBucketWebsiteCommand, GetObjectAttributesCommand,
  PutBucketVersioningCommand, ListObjectVersionsCommand, PutBucketAclCommand, GetBucketAclCommand,
  PutObjectAclCommand, GetObjectAclCommand,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { createPresignedPost } from "@aws-sdk/s3-presigned-post";

const endpoint = process.env.FOGBANK_URL;
assert.ok(endpoint, "FOGBANK_URL must point at a running fogbank");
const s3 = new S3Client({
  endpoint, region: "us-east-1", forcePathStyle: true, maxAttempts: 1,
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
});
const MiB = 1024 * 1024;
// Keep-alive sockets would hold the test process open until the server idles them out.
after(() => s3.destroy());
const md5 = (b) => createHash("md5").update(b).digest("hex");

async function rejects(promise, name, status) {
  try {
    await promise;
  } catch (e) {
    assert.equal(e.name, name, `expected ${name}, got ${e.name}: ${e.message}`);
    if (status) assert.equal(e.$metadata.httpStatusCode, status);
    return e;
  }
  assert.fail(`expected ${name}`);
}

beforeEach(async () => {
  const r = await fetch(`${endpoint}/_fogbank/reset`, { method: "POST" });
  assert.equal(r.status, 200);
});

test("buckets: create, head, list with pagination, location, delete", async () => {
  for (const b of ["pa-bucket", "pb-bucket", "pc-bucket", "qa-bucket"]) await s3.send(new CreateBucketCommand({ Bucket: b }));
  await s3.send(new HeadBucketCommand({ Bucket: "pa-bucket" }));
  const all = await s3.send(new ListBucketsCommand({}));
  assert.deepEqual(all.Buckets.map((b) => b.Name), ["pa-bucket", "pb-bucket", "pc-bucket", "qa-bucket"]);
  const page = await s3.send(new ListBucketsCommand({ Prefix: "p", MaxBuckets: 2 }));
  assert.deepEqual(page.Buckets.map((b) => b.Name), ["pa-bucket", "pb-bucket"]);
  const next = await s3.send(new ListBucketsCommand({ Prefix: "p", MaxBuckets: 2, ContinuationToken: page.ContinuationToken }));
  assert.deepEqual(next.Buckets.map((b) => b.Name), ["pc-bucket"]);
  assert.equal(next.ContinuationToken, undefined);
  const loc = await s3.send(new GetBucketLocationCommand({ Bucket: "pa-bucket" }));
  assert.equal(loc.LocationConstraint, undefined);
  await s3.send(new DeleteBucketCommand({ Bucket: "qa-bucket" }));
  await rejects(s3.send(new HeadBucketCommand({ Bucket: "qa-bucket" })), "NotFound", 404);
  await rejects(s3.send(new CreateBucketCommand({ Bucket: "Bad_Name" })), "InvalidBucketName", 400);
  await rejects(s3.send(new DeleteBucketCommand({ Bucket: "absent-bucket" })), "NoSuchBucket", 404);
  const v = await s3.send(new GetBucketVersioningCommand({ Bucket: "pa-bucket" }));
  assert.equal(v.Status, undefined);
});

test("bucket tagging and CORS configuration", async () => {
  await s3.send(new CreateBucketCommand({ Bucket: "cfg" }));
  await rejects(s3.send(new GetBucketTaggingCommand({ Bucket: "cfg" })), "NoSuchTagSet", 404);
  await s3.send(new PutBucketTaggingCommand({ Bucket: "cfg", Tagging: { TagSet: [{ Key: "k", Value: "v" }] } }));
  assert.deepEqual((await s3.send(new GetBucketTaggingCommand({ Bucket: "cfg" }))).TagSet, [{ Key: "k", Value: "v" }]);
  await s3.send(new DeleteBucketTaggingCommand({ Bucket: "cfg" }));
  await s3.send(new PutBucketCorsCommand({
    Bucket: "cfg",
    CORSConfiguration: { CORSRules: [{ AllowedOrigins: ["http://localhost:3000"], AllowedMethods: ["GET", "PUT"], AllowedHeaders: ["*"] }] },
  }));
  const cors = await s3.send(new GetBucketCorsCommand({ Bucket: "cfg" }));
  assert.deepEqual(cors.CORSRules[0].AllowedMethods, ["GET", "PUT"]);
  const pre = await fetch(`${endpoint}/cfg/any`, {
    method: "OPTIONS",
    headers: { Origin: "http://localhost:3000", "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "content-type" },
  });
  assert.equal(pre.status, 200);
  assert.equal(pre.headers.get("access-control-allow-origin"), "http://localhost:3000");
  await s3.send(new DeleteBucketCorsCommand({ Bucket: "cfg" }));
  await rejects(s3.send(new GetBucketCorsCommand({ Bucket: "cfg" })), "NoSuchCORSConfiguration", 404);
});

test("objects: default CRC32 checksum from the SDK, metadata, head, delete", async () => {
  await s3.send(new CreateBucketCommand({ Bucket: "obj" }));
  const body = randomBytes(50000);
  const put = await s3.send(new PutObjectCommand({
    Bucket: "obj", Key: "a/b.bin", Body: body, ContentType: "image/jpeg", Metadata: { who: "node" },
  }));
  assert.equal(put.ETag, `"${md5(body)}"`);
  assert.ok(put.ChecksumCRC32, "the SDK sent CRC32 and fogbank answered it");
  const got = await s3.send(new GetObjectCommand({ Bucket: "obj", Key: "a/b.bin", ChecksumMode: "ENABLED" }));
  assert.deepEqual(Buffer.from(await got.Body.transformToByteArray()), body);
  assert.equal(got.ChecksumCRC32, put.ChecksumCRC32);
  assert.equal(got.ContentType, "image/jpeg");
  assert.deepEqual(got.Metadata, { who: "node" });
  const head = await s3.send(new HeadObjectCommand({ Bucket: "obj", Key: "a/b.bin" }));
  assert.equal(head.ContentLength, body.length);
  await s3.send(new DeleteObjectCommand({ Bucket: "obj", Key: "a/b.bin" }));
  await rejects(s3.send(new GetObjectCommand({ Bucket: "obj", Key: "a/b.bin" })), "NoSuchKey", 404);
  await rejects(s3.send(new PutObjectCommand({ Bucket: "none-such", Key: "k", Body: "x" })), "NoSuchBucket", 404);
});

test("streaming upload: aws-chunked body with a checksum trailer", async () => {
  await s3.send(new CreateBucketCommand({ Bucket: "stream" }));
  const body = randomBytes(3 * MiB + 17);
  const put = await s3.send(new PutObjectCommand({
    Bucket: "stream", Key: "s", Body: Readable.from([body.subarray(0, MiB), body.subarray(MiB)]), ContentLength: body.length,
  }));
  assert.ok(put.ChecksumCRC32);
  const got = await s3.send(new GetObjectCommand({ Bucket: "stream", Key: "s", ChecksumMode: "ENABLED" }));
  const back = Buffer.from(await got.Body.transformToByteArray());
  assert.equal(back.length, body.length);
  assert.equal(md5(back), md5(body));
});

for (const alg of ["CRC32C", "SHA1", "SHA256", "CRC64NVME"]) {
  test(`checksum algorithm ${alg}`, async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "sums" }));
    const body = randomBytes(10000);
    const put = await s3.send(new PutObjectCommand({ Bucket: "sums", Key: "k", Body: body, ChecksumAlgorithm: alg }));
    const value = put[`Checksum${alg}`];
    assert.ok(value, `${alg} answered`);
    if (alg === "SHA256") assert.equal(value, createHash("sha256").update(body).digest("base64"));
    if (alg === "SHA1") assert.equal(value, createHash("sha1").update(body).digest("base64"));
    const head = await s3.send(new HeadObjectCommand({ Bucket: "sums", Key: "k", ChecksumMode: "ENABLED" }));
    assert.equal(head[`Checksum${alg}`], value);
  });
}

test("wrong checksum is BadDigest", async () => {
  await s3.send(new CreateBucketCommand({ Bucket: "bad" }));
  await rejects(s3.send(new PutObjectCommand({ Bucket: "bad", Key: "k", Body: "abc", ChecksumSHA256: createHash("sha256").update("xyz").digest("base64") })), "BadDigest", 400);
});

test("lib-storage multipart Upload", async () => {
  await s3.send(new CreateBucketCommand({ Bucket: "libstorage" }));
  const body = randomBytes(12 * MiB + 5);
  const up = new Upload({ client: s3, params: { Bucket: "libstorage", Key: "big.bin", Body: body }, partSize: 5 * MiB, queueSize: 3 });
  const done = await up.done();
  assert.match(done.ETag, /-3"$/);
  const got = await s3.send(new GetObjectCommand({ Bucket: "libstorage", Key: "big.bin" }));
  assert.equal(md5(Buffer.from(await got.Body.transformToByteArray())), md5(body));
  const ranged = await s3.send(new GetObjectCommand({ Bucket: "libstorage", Key: "big.bin", Range: "bytes=5242878-5242881" }));
  assert.deepEqual(Buffer.from(await ranged.Body.transformToByteArray()), body.subarray(5242878, 5242882));
  assert.equal(ranged.ContentRange, `bytes 5242878-5242881/${body.length}`);
  const second = await s3.send(new GetObjectCommand({ Bucket: "libstorage", Key: "big.bin", PartNumber: 2 }));
  assert.equal(second.PartsCount, 3);
  assert.equal(md5(Buffer.from(await second.Body.transformToByteArray())), md5(body.subarray(5 * MiB, 10 * MiB)));
  await rejects(s3.send(new GetObjectCommand({ Bucket: "libstorage", Key: "big.bin", PartNumber: 4 })), "InvalidPartNumber", 416);
});

test("ranges and conditional requests", async () => {
  await s3.send(new CreateBucketCommand({ Bucket: "cond" }));
  const put = await s3.send(new PutObjectCommand({ Bucket: "cond", Key: "k", Body: "0123456789" }));
  const r = await s3.send(new GetObjectCommand({ Bucket: "cond", Key: "k", Range: "bytes=-4" }));
  assert.equal(await r.Body.transformToString(), "6789");
  await rejects(s3.send(new GetObjectCommand({ Bucket: "cond", Key: "k", Range: "bytes=10-" })), "InvalidRange", 416);
  await rejects(s3.send(new GetObjectCommand({ Bucket: "cond", Key: "k", IfMatch: '"nope"' })), "PreconditionFailed", 412);
  // S3 answers 304 with no body, so the SDK can only report the status (as it does against AWS).
  const nm = await s3.send(new GetObjectCommand({ Bucket: "cond", Key: "k", IfNoneMatch: put.ETag })).catch((e) => e);
  assert.equal(nm.$metadata.httpStatusCode, 304);
  const o = await s3.send(new GetObjectCommand({ Bucket: "cond", Key: "k", ResponseContentType: "text/csv" }));
  assert.equal(o.ContentType, "text/csv");
  await rejects(s3.send(new PutObjectCommand({ Bucket: "cond", Key: "k", Body: "again", IfNoneMatch: "*" })), "PreconditionFailed", 412);
});

test("copy, tagging, delete objects", async () => {
  await s3.send(new CreateBucketCommand({ Bucket: "copy" }));
  await s3.send(new PutObjectCommand({ Bucket: "copy", Key: "src", Body: "payload", Tagging: "a=1" }));
  const c = await s3.send(new CopyObjectCommand({ Bucket: "copy", Key: "dst", CopySource: "copy/src" }));
  assert.equal(c.CopyObjectResult.ETag, `"${md5("payload")}"`);
  assert.deepEqual((await s3.send(new GetObjectTaggingCommand({ Bucket: "copy", Key: "dst" }))).TagSet, [{ Key: "a", Value: "1" }]);
  await s3.send(new PutObjectTaggingCommand({ Bucket: "copy", Key: "dst", Tagging: { TagSet: [{ Key: "b", Value: "2" }] } }));
  assert.deepEqual((await s3.send(new GetObjectTaggingCommand({ Bucket: "copy", Key: "dst" }))).TagSet, [{ Key: "b", Value: "2" }]);
  await s3.send(new DeleteObjectTaggingCommand({ Bucket: "copy", Key: "dst" }));
  await rejects(s3.send(new CopyObjectCommand({ Bucket: "copy", Key: "x", CopySource: "copy/missing" })), "NoSuchKey", 404);
  // The current SDK protects DeleteObjects with a CRC32 checksum instead of Content-MD5.
  const del = await s3.send(new DeleteObjectsCommand({ Bucket: "copy", Delete: { Objects: [{ Key: "src" }, { Key: "dst" }] } }));
  assert.deepEqual(del.Deleted.map((d) => d.Key).sort(), ["dst", "src"]);
  const left = await s3.send(new ListObjectsV2Command({ Bucket: "copy" }));
  assert.equal(left.KeyCount, 0);
});

test("listing v1 and v2 with delimiter and paginator", async () => {
  await s3.send(new CreateBucketCommand({ Bucket: "listing" }));
  const keys = ["x/1", "x/2", "y/1", "z", "é/1", "a b"];
  for (const k of keys) await s3.send(new PutObjectCommand({ Bucket: "listing", Key: k, Body: "1" }));
  const v2 = await s3.send(new ListObjectsV2Command({ Bucket: "listing", Delimiter: "/" }));
  assert.deepEqual(v2.Contents.map((c) => c.Key), ["a b", "z"]);
  assert.deepEqual(v2.CommonPrefixes.map((p) => p.Prefix), ["x/", "y/", "é/"]);
  const seen = [];
  for await (const page of paginateListObjectsV2({ client: s3, pageSize: 2 }, { Bucket: "listing" })) seen.push(...(page.Contents ?? []).map((c) => c.Key));
  assert.deepEqual(seen, [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
  const v1 = await s3.send(new ListObjectsCommand({ Bucket: "listing", Prefix: "x/", MaxKeys: 1 }));
  assert.deepEqual(v1.Contents.map((c) => c.Key), ["x/1"]);
  assert.equal(v1.IsTruncated, true);
});

test("multipart by hand: CRC32 composite checksum, part copy, listings, errors", async () => {
  await s3.send(new CreateBucketCommand({ Bucket: "manual" }));
  const src = randomBytes(5 * MiB);
  await s3.send(new PutObjectCommand({ Bucket: "manual", Key: "src", Body: src }));
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: "manual", Key: "obj", ChecksumAlgorithm: "CRC32" }));
  const p1 = await s3.send(new UploadPartCopyCommand({ Bucket: "manual", Key: "obj", UploadId, PartNumber: 1, CopySource: "manual/src" }));
  const p2 = await s3.send(new UploadPartCommand({ Bucket: "manual", Key: "obj", UploadId, PartNumber: 2, Body: "tail", ChecksumAlgorithm: "CRC32" }));
  const parts = await s3.send(new ListPartsCommand({ Bucket: "manual", Key: "obj", UploadId }));
  assert.deepEqual(parts.Parts.map((p) => p.PartNumber), [1, 2]);
  const ups = await s3.send(new ListMultipartUploadsCommand({ Bucket: "manual" }));
  assert.equal(ups.Uploads[0].UploadId, UploadId);
  await rejects(s3.send(new CompleteMultipartUploadCommand({
    Bucket: "manual", Key: "obj", UploadId,
    MultipartUpload: { Parts: [{ PartNumber: 2, ETag: p2.ETag }, { PartNumber: 1, ETag: p1.CopyPartResult.ETag }] },
  })), "InvalidPartOrder", 400);
  const done = await s3.send(new CompleteMultipartUploadCommand({
    Bucket: "manual", Key: "obj", UploadId,
    MultipartUpload: { Parts: [
      { PartNumber: 1, ETag: p1.CopyPartResult.ETag, ChecksumCRC32: p1.CopyPartResult.ChecksumCRC32 },
      { PartNumber: 2, ETag: p2.ETag, ChecksumCRC32: p2.ChecksumCRC32 }] },
  }));
  assert.match(done.ChecksumCRC32, /-2$/);
  const got = await s3.send(new GetObjectCommand({ Bucket: "manual", Key: "obj" }));
  assert.equal(md5(Buffer.from(await got.Body.transformToByteArray())), md5(Buffer.concat([src, Buffer.from("tail")])));

  const small = await s3.send(new CreateMultipartUploadCommand({ Bucket: "manual", Key: "small" }));
  const s1 = await s3.send(new UploadPartCommand({ Bucket: "manual", Key: "small", UploadId: small.UploadId, PartNumber: 1, Body: "a" }));
  const s2 = await s3.send(new UploadPartCommand({ Bucket: "manual", Key: "small", UploadId: small.UploadId, PartNumber: 2, Body: "b" }));
  await rejects(s3.send(new CompleteMultipartUploadCommand({
    Bucket: "manual", Key: "small", UploadId: small.UploadId,
    MultipartUpload: { Parts: [{ PartNumber: 1, ETag: s1.ETag }, { PartNumber: 2, ETag: s2.ETag }] },
  })), "EntityTooSmall", 400);
  await s3.send(new AbortMultipartUploadCommand({ Bucket: "manual", Key: "small", UploadId: small.UploadId }));
  await rejects(s3.send(new ListPartsCommand({ Bucket: "manual", Key: "small", UploadId: small.UploadId })), "NoSuchUpload", 404);
});

test("presigned GET and PUT URLs", async () => {
  await s3.send(new CreateBucketCommand({ Bucket: "presign" }));
  const putUrl = await getSignedUrl(s3, new PutObjectCommand({ Bucket: "presign", Key: "up.txt" }), { expiresIn: 300 });
  const put = await fetch(putUrl, { method: "PUT", body: "via presigned put" });
  assert.equal(put.status, 200);
  const getUrl = await getSignedUrl(s3, new GetObjectCommand({ Bucket: "presign", Key: "up.txt" }), { expiresIn: 300 });
  const get = await fetch(getUrl);
  assert.equal(get.status, 200);
  assert.equal(await get.text(), "via presigned put");
});

test("bucket configuration: defaults, lifecycle, policy and its public access block", async () => {
  await s3.send(new CreateBucketCommand({ Bucket: "terraformed" }));
  const pab = await s3.send(new GetPublicAccessBlockCommand({ Bucket: "terraformed" }));
  assert.deepEqual(pab.PublicAccessBlockConfiguration, {
    BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true });
  const own = await s3.send(new GetBucketOwnershipControlsCommand({ Bucket: "terraformed" }));
  assert.equal(own.OwnershipControls.Rules[0].ObjectOwnership, "BucketOwnerEnforced");
  const enc = await s3.send(new GetBucketEncryptionCommand({ Bucket: "terraformed" }));
  assert.equal(enc.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm, "AES256");
  await rejects(s3.send(new GetBucketWebsiteCommand({ Bucket: "terraformed" })), "NoSuchWebsiteConfiguration", 404);
  await rejects(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: "terraformed" })), "NoSuchLifecycleConfiguration", 404);
  const put = await s3.send(new PutBucketLifecycleConfigurationCommand({
    Bucket: "terraformed",
    LifecycleConfiguration: { Rules: [{ ID: "tmp", Status: "Enabled", Filter: { Prefix: "tmp/" }, Expiration: { Days: 2 } }] },
  }));
  assert.equal(put.TransitionDefaultMinimumObjectSize, "all_storage_classes_128K");
  const lc = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: "terraformed" }));
  assert.deepEqual(lc.Rules[0].Expiration, { Days: 2 });

  const policy = JSON.stringify({ Version: "2012-10-17", Statement: [{
    Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::terraformed/*" }] });
  await rejects(s3.send(new GetBucketPolicyCommand({ Bucket: "terraformed" })), "NoSuchBucketPolicy", 404);
  await rejects(s3.send(new PutBucketPolicyCommand({ Bucket: "terraformed", Policy: policy })), "AccessDenied", 403);
  await s3.send(new DeletePublicAccessBlockCommand({ Bucket: "terraformed" }));
  await s3.send(new PutBucketPolicyCommand({ Bucket: "terraformed", Policy: policy }));
  assert.equal((await s3.send(new GetBucketPolicyCommand({ Bucket: "terraformed" }))).Policy, policy);
  assert.equal((await s3.send(new GetBucketPolicyStatusCommand({ Bucket: "terraformed" }))).PolicyStatus.IsPublic, true);
  await rejects(s3.send(new PutBucketPolicyCommand({ Bucket: "terraformed", Policy: "{nope" })), "MalformedPolicy", 400);
});

test("GetObjectAttributes", async () => {
  await s3.send(new CreateBucketCommand({ Bucket: "attrs" }));
  const put = await s3.send(new PutObjectCommand({ Bucket: "attrs", Key: "k", Body: "attribute bytes" }));
  const got = await s3.send(new GetObjectAttributesCommand({
    Bucket: "attrs", Key: "k", ObjectAttributes: ["ETag", "Checksum", "ObjectSize", "StorageClass"] }));
  assert.equal(`"${got.ETag}"`, put.ETag);
  assert.equal(got.ObjectSize, 15);
  assert.equal(got.StorageClass, "STANDARD");
  assert.equal(got.Checksum.ChecksumCRC32, put.ChecksumCRC32);
  assert.equal(got.Checksum.ChecksumType, "FULL_OBJECT");
  await rejects(s3.send(new GetObjectAttributesCommand({ Bucket: "attrs", Key: "absent", ObjectAttributes: ["ETag"] })), "NoSuchKey", 404);
});

test("versioning: versions, delete markers, reads and copies by id, paged listing", async () => {
  await s3.send(new CreateBucketCommand({ Bucket: "js-vers" }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: "js-vers", VersioningConfiguration: { Status: "Enabled" } }));
  assert.equal((await s3.send(new GetBucketVersioningCommand({ Bucket: "js-vers" }))).Status, "Enabled");
  const v1 = (await s3.send(new PutObjectCommand({ Bucket: "js-vers", Key: "k", Body: "one" }))).VersionId;
  const v2 = (await s3.send(new PutObjectCommand({ Bucket: "js-vers", Key: "k", Body: "two" }))).VersionId;
  assert.notEqual(v1, v2);
  const old = await s3.send(new GetObjectCommand({ Bucket: "js-vers", Key: "k", VersionId: v1 }));
  assert.equal(await old.Body.transformToString(), "one");
  assert.equal(old.VersionId, v1);
  const del = await s3.send(new DeleteObjectCommand({ Bucket: "js-vers", Key: "k" }));
  assert.equal(del.DeleteMarker, true);
  await rejects(s3.send(new GetObjectCommand({ Bucket: "js-vers", Key: "k" })), "NoSuchKey", 404);
  await rejects(s3.send(new GetObjectCommand({ Bucket: "js-vers", Key: "k", VersionId: del.VersionId })), "MethodNotAllowed", 405);
  await rejects(s3.send(new GetObjectCommand({ Bucket: "js-vers", Key: "k", VersionId: "bad" })), "InvalidArgument", 400);
  // Restore the first version by copying it over the key.
  const copy = await s3.send(new CopyObjectCommand({ Bucket: "js-vers", Key: "k", CopySource: `js-vers/k?versionId=${v1}` }));
  assert.equal(copy.CopySourceVersionId, v1);
  const cur = await s3.send(new GetObjectCommand({ Bucket: "js-vers", Key: "k" }));
  assert.equal(await cur.Body.transformToString(), "one");
  const seen = [];
  // One version per page, following the markers (the SDK has no paginator for this one).
  let markers = {};
  for (;;) {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: "js-vers", MaxKeys: 1, ...markers }));
    for (const v of page.Versions ?? []) seen.push(["v", v.VersionId, v.IsLatest]);
    for (const m of page.DeleteMarkers ?? []) seen.push(["m", m.VersionId, m.IsLatest]);
    if (!page.IsTruncated) break;
    markers = { KeyMarker: page.NextKeyMarker, VersionIdMarker: page.NextVersionIdMarker };
  }
  assert.deepEqual(seen, [["v", copy.VersionId, true], ["m", del.VersionId, false], ["v", v2, false], ["v", v1, false]]);
  const rm = await s3.send(new DeleteObjectsCommand({ Bucket: "js-vers", Delete: { Objects: [{ Key: "k", VersionId: v2 }] } }));
  assert.deepEqual(rm.Deleted.map((d) => d.VersionId), [v2]);
  const left = await s3.send(new ListObjectVersionsCommand({ Bucket: "js-vers" }));
  assert.equal(left.Versions.length, 2);
});

test("ACLs: refused under BucketOwnerEnforced, stored and returned under ObjectWriter", async () => {
  await s3.send(new CreateBucketCommand({ Bucket: "js-enforced" }));
  await rejects(s3.send(new PutBucketAclCommand({ Bucket: "js-enforced", ACL: "public-read" })), "AccessControlListNotSupported", 400);
  await s3.send(new CreateBucketCommand({ Bucket: "js-acl", ObjectOwnership: "ObjectWriter" }));
  const owner = (await s3.send(new GetBucketAclCommand({ Bucket: "js-acl" }))).Owner.ID;
  await s3.send(new PutObjectCommand({ Bucket: "js-acl", Key: "k", Body: "x", GrantRead: 'id="444455556666"', GrantFullControl: `id="${owner}"` }));
  const got = await s3.send(new GetObjectAclCommand({ Bucket: "js-acl", Key: "k" }));
  assert.deepEqual(got.Grants.map((g) => [g.Grantee.ID, g.Permission]).sort(), [["444455556666", "READ"], [owner, "FULL_CONTROL"]].sort());
  await rejects(s3.send(new PutObjectAclCommand({ Bucket: "js-acl", Key: "k", GrantRead: 'emailAddress="a@example.com"' })), "UnresolvableGrantByEmailAddress", 400);
  // The new bucket's public access block refuses a public ACL.
  await rejects(s3.send(new PutObjectAclCommand({ Bucket: "js-acl", Key: "k", ACL: "public-read" })), "AccessDenied", 403);
});

test("browser upload: createPresignedPost and a FormData POST, as a page sends it", async () => {
  await s3.send(new CreateBucketCommand({ Bucket: "browser" }));
  const { url, fields } = await createPresignedPost(s3, {
    Bucket: "browser", Key: "avatars/${filename}",
    Conditions: [["starts-with", "$key", "avatars/"], ["content-length-range", 1, 1024], { "Content-Type": "image/png" }],
    Fields: { "Content-Type": "image/png", success_action_status: "201" },
    Expires: 120,
  });
  assert.equal(fields["X-Amz-Algorithm"], "AWS4-HMAC-SHA256");
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  const png = Buffer.concat([Buffer.from([0x89]), Buffer.from("PNG fake")]);
  form.append("file", new Blob([png], { type: "image/png" }), "me.png");
  const r = await fetch(url, { method: "POST", body: form });
  assert.equal(r.status, 201);
  assert.match(await r.text(), /<Key>avatars\/me.png<\/Key>/);
  const head = await s3.send(new HeadObjectCommand({ Bucket: "browser", Key: "avatars/me.png" }));
  assert.equal(head.ContentType, "image/png");
  assert.equal(head.ContentLength, png.length);
  const body = await s3.send(new GetObjectCommand({ Bucket: "browser", Key: "avatars/me.png" }));
  assert.deepEqual(Buffer.from(await body.Body.transformToByteArray()), png);
  // Past the policy's size range.
  const big = new FormData();
  for (const [k, v] of Object.entries(fields)) big.append(k, v);
  big.append("file", new Blob([Buffer.alloc(2048)]), "big.png");
  const refused = await fetch(url, { method: "POST", body: big });
  assert.equal(refused.status, 400);
  assert.match(await refused.text(), /<Code>EntityTooLarge<\/Code>/);
});
