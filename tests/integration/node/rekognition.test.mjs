// fogbank Rekognition driven by @aws-sdk/client-rekognition: every operation, with Bytes and
// S3Object inputs, the SDK's typed error classes and its paginators.
import { test, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  RekognitionClient, DetectLabelsCommand, DetectFacesCommand, DetectTextCommand,
  CompareFacesCommand, DetectModerationLabelsCommand, CreateCollectionCommand, DescribeCollectionCommand,
  DeleteCollectionCommand, IndexFacesCommand, ListFacesCommand, DeleteFacesCommand,
  SearchFacesCommand, SearchFacesByImageCommand, paginateListCollections,
  InvalidImageFormatException, InvalidParameterException, ResourceNotFoundException,
  ResourceAlreadyExistsException, ImageTooLargeException, InvalidS3ObjectException,
} from "@aws-sdk/client-rekognition";
import { S3Client, CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";

const endpoint = process.env.FOGBANK_URL;
assert.ok(endpoint, "FOGBANK_URL must point at a running fogbank");
const config = {
  endpoint, region: "us-east-1", maxAttempts: 1,
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
};
const rek = new RekognitionClient(config);
const s3 = new S3Client({ ...config, forcePathStyle: true });
after(() => { rek.destroy(); s3.destroy(); });
beforeEach(async () => {
  const r = await fetch(`${endpoint}/_fogbank/reset`, { method: "POST" });
  assert.equal(r.status, 200);
});

const fixture = (p) => readFileSync(new URL(`../../fixtures/${p}`, import.meta.url));

async function rejects(promise, cls) {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${e.name}: ${e.message}`);
    return e;
  }
  assert.fail(`expected ${cls.name}`);
}

test("DetectLabels from bytes and from S3 agree", async () => {
  await s3.send(new CreateBucketCommand({ Bucket: "photos" }));
  await s3.send(new PutObjectCommand({ Bucket: "photos", Key: "dog.jpg", Body: fixture("objects/dog.jpg") }));
  const bytes = await rek.send(new DetectLabelsCommand({ Image: { Bytes: fixture("objects/dog.jpg") } }));
  const fromS3 = await rek.send(new DetectLabelsCommand({
    Image: { S3Object: { Bucket: "photos", Name: "dog.jpg" } } }));
  const names = bytes.Labels.map((l) => l.Name);
  for (const n of ["Dog", "Bicycle", "Car", "Vehicle"]) assert.ok(names.includes(n), names.join());
  assert.deepEqual(fromS3.Labels, bytes.Labels);
  const car = bytes.Labels.find((l) => l.Name === "Car");
  assert.ok(car.Confidence >= 90);
  assert.deepEqual(car.Parents.map((p) => p.Name), ["Transportation", "Vehicle"]);
  await rejects(rek.send(new DetectLabelsCommand({ Image: { Bytes: Buffer.from("nope") } })),
    InvalidImageFormatException);
  await rejects(rek.send(new DetectLabelsCommand({
    Image: { Bytes: Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(5 * 1024 * 1024)]) } })),
    ImageTooLargeException);
  await rejects(rek.send(new DetectLabelsCommand({
    Image: { S3Object: { Bucket: "photos", Name: "missing.jpg" } } })), InvalidS3ObjectException);
});

test("DetectModerationLabels on a safe photo", async () => {
  const photo = { Bytes: fixture("objects/person.jpg") };
  const plain = await rek.send(new DetectModerationLabelsCommand({ Image: photo }));
  assert.deepEqual(plain.ModerationLabels, []);
  assert.deepEqual(plain.ContentTypes, []);  // a photograph, not an illustration
  assert.equal(plain.ModerationModelVersion, "7.0");
  const all = await rek.send(new DetectModerationLabelsCommand({ Image: photo, MinConfidence: 0 }));
  assert.deepEqual(all.ModerationLabels.map((l) => l.Name).sort(), ["Explicit", "Swimwear or Underwear"]);
  for (const l of all.ModerationLabels) {
    assert.equal(l.TaxonomyLevel, 1);
    assert.equal(l.ParentName, "");
    assert.ok(l.Confidence > 0 && l.Confidence < 50);
  }
  assert.equal(all.ContentTypes[0].Name, "Illustrated");
  assert.ok(all.ContentTypes[0].Confidence < 50);
  await rejects(rek.send(new DetectModerationLabelsCommand({ Image: { Bytes: Buffer.from("no image") } })),
                InvalidImageFormatException);
  // No custom moderation adapter exists here.
  await rejects(rek.send(new DetectModerationLabelsCommand({ Image: photo,
    ProjectVersion: "arn:aws:rekognition:us-east-1:000000000000:project/p/version/v/1" })), ResourceNotFoundException);
});

test("DetectFaces, CompareFaces and DetectText", async () => {
  const faces = await rek.send(new DetectFacesCommand({
    Image: { Bytes: fixture("faces/test/kit_with_rose.jpg") }, Attributes: ["ALL"] }));
  assert.equal(faces.FaceDetails.length, 2);
  assert.equal(faces.FaceDetails[0].Landmarks.length, 30);
  // Rose Leslie (on the left) smiles; Kit Harington does not.
  const [rose, kit] = [...faces.FaceDetails].sort((a, b) => a.BoundingBox.Left - b.BoundingBox.Left);
  assert.equal(rose.Smile.Value, true);
  assert.equal(rose.Emotions[0].Type, "HAPPY");
  assert.equal(kit.Smile.Value, false);
  assert.notEqual(kit.Emotions[0].Type, "HAPPY");
  const cmp = await rek.send(new CompareFacesCommand({
    SourceImage: { Bytes: fixture("faces/train/rose_leslie/img1.jpg") },
    TargetImage: { Bytes: fixture("faces/test/kit_with_rose.jpg") } }));
  assert.equal(cmp.FaceMatches.length, 1);
  assert.equal(cmp.UnmatchedFaces.length, 1);
  assert.ok(cmp.FaceMatches[0].Face.BoundingBox.Left < cmp.UnmatchedFaces[0].BoundingBox.Left);
  await rejects(rek.send(new CompareFacesCommand({
    SourceImage: { Bytes: fixture("objects/eagle.jpg") },
    TargetImage: { Bytes: fixture("faces/test/obama1.jpg") } })), InvalidParameterException);
  // No text in a photo of giraffes.
  const text = await rek.send(new DetectTextCommand({ Image: { Bytes: fixture("objects/giraffe.jpg") } }));
  assert.deepEqual(text.TextDetections, []);
});

test("collections: index, list, search, delete", async () => {
  await rek.send(new CreateCollectionCommand({ CollectionId: "staff" }));
  await rejects(rek.send(new CreateCollectionCommand({ CollectionId: "staff" })),
    ResourceAlreadyExistsException);
  const people = { obama: "faces/train/obama/obama.jpg", biden: "faces/train/biden/biden.jpg" };
  const ids = {};
  for (const [name, path] of Object.entries(people)) {
    const r = await rek.send(new IndexFacesCommand({
      CollectionId: "staff", ExternalImageId: name, Image: { Bytes: fixture(path) } }));
    assert.equal(r.FaceRecords.length, 1);
    ids[name] = r.FaceRecords[0].Face.FaceId;
  }
  const described = await rek.send(new DescribeCollectionCommand({ CollectionId: "staff" }));
  assert.equal(described.FaceCount, 2);
  assert.ok(described.CreationTimestamp instanceof Date);
  const found = await rek.send(new SearchFacesByImageCommand({
    CollectionId: "staff", Image: { Bytes: fixture("faces/test/obama1.jpg") }, FaceMatchThreshold: 80 }));
  assert.deepEqual(found.FaceMatches.map((m) => m.Face.ExternalImageId), ["obama"]);
  const byId = await rek.send(new SearchFacesCommand({ CollectionId: "staff", FaceId: ids.biden }));
  assert.deepEqual(byId.FaceMatches, []);
  const listed = await rek.send(new ListFacesCommand({ CollectionId: "staff" }));
  assert.deepEqual(listed.Faces.map((f) => f.FaceId).sort(), Object.values(ids).sort());
  const missing = "00000000-0000-4000-8000-000000000000";
  const del = await rek.send(new DeleteFacesCommand({ CollectionId: "staff", FaceIds: [ids.obama, missing] }));
  assert.deepEqual(del.DeletedFaces, [ids.obama]);
  assert.deepEqual(del.UnsuccessfulFaceDeletions, [{ FaceId: missing, Reasons: ["FACE_NOT_FOUND"] }]);
  await rek.send(new CreateCollectionCommand({ CollectionId: "visitors" }));
  const all = [];
  for await (const page of paginateListCollections({ client: rek, pageSize: 1 }, {}))
    all.push(...page.CollectionIds);
  assert.deepEqual(all, ["staff", "visitors"]);
  await rek.send(new DeleteCollectionCommand({ CollectionId: "staff" }));
  await rejects(rek.send(new DescribeCollectionCommand({ CollectionId: "staff" })), ResourceNotFoundException);
});
