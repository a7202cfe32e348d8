"""S3 versioning with boto3 and the AWS CLI: version ids on every write, reads and deletes by
version, delete markers, the null version, ListObjectVersions pages, DeleteObjects and copies
by version, multipart and tagging in a versioned bucket, notifications, lifecycle on
noncurrent versions, and versions surviving a kill -9 with --data-dir."""
import json
import signal
import time

import pytest
from botocore.exceptions import ClientError

from conftest import Server, advance_clock, cli_json, error_of, make_client, raw, run_cli


@pytest.fixture
def vbucket(s3):
    s3.create_bucket(Bucket="vers")
    s3.put_bucket_versioning(Bucket="vers", VersioningConfiguration={"Status": "Enabled"})
    return "vers"


def expect(code, status, call, *args, **kw):
    with pytest.raises(ClientError) as e:
        call(*args, **kw)
    assert error_of(e) == (code, status), e.value.response["Error"]
    return e.value.response


def raw_versions(server, bucket, query=""):
    """The listing as it is on the wire: [(element, key, version id, is latest)] in order."""
    import xml.etree.ElementTree as ET
    r, body = raw(server, "GET", f"/{bucket}?versions{query}")
    assert r.status == 200, body
    ns = "{http://s3.amazonaws.com/doc/2006-03-01/}"
    root = ET.fromstring(body)
    out = []
    for child in root:
        tag = child.tag.replace(ns, "")
        if tag in ("Version", "DeleteMarker"):
            out.append((tag, child.find(ns + "Key").text, child.find(ns + "VersionId").text,
                        child.find(ns + "IsLatest").text == "true"))
    return out, root


# --- the bucket's status ---

def test_versioning_status_round_trip(s3, server):
    s3.create_bucket(Bucket="status")
    assert "Status" not in s3.get_bucket_versioning(Bucket="status")
    s3.put_bucket_versioning(Bucket="status", VersioningConfiguration={"Status": "Enabled"})
    assert s3.get_bucket_versioning(Bucket="status")["Status"] == "Enabled"
    run_cli(server, "s3api", "put-bucket-versioning", "--bucket", "status",
            "--versioning-configuration", "Status=Suspended")
    assert cli_json(server, "s3api", "get-bucket-versioning", "--bucket", "status")["Status"] == "Suspended"


@pytest.mark.parametrize("body,code,status", [
    (b"<VersioningConfiguration><Status>On</Status></VersioningConfiguration>", "MalformedXML", 400),
    (b"<VersioningConfiguration/>", "MalformedXML", 400),
    (b"<Versioning><Status>Enabled</Status></Versioning>", "MalformedXML", 400),
    (b"<VersioningConfiguration><Status>Enabled</Status><MfaDelete>Maybe</MfaDelete>"
     b"</VersioningConfiguration>", "MalformedXML", 400),
    (b"<VersioningConfiguration><Status>Enabled</Status><MfaDelete>Enabled</MfaDelete>"
     b"</VersioningConfiguration>", "NotImplemented", 501),
])
def test_versioning_configuration_validation(s3, body, code, status):
    s3.create_bucket(Bucket="badvers")

    def send(**kw):
        kw["params"]["body"] = body
    s3.meta.events.register("before-call.s3.PutBucketVersioning", send)
    try:
        expect(code, status, s3.put_bucket_versioning, Bucket="badvers",
               VersioningConfiguration={"Status": "Enabled"})
    finally:
        s3.meta.events.unregister("before-call.s3.PutBucketVersioning", send)
    assert "Status" not in s3.get_bucket_versioning(Bucket="badvers")


def test_object_lock_bucket_is_versioned_for_good(s3):
    s3.create_bucket(Bucket="locked", ObjectLockEnabledForBucket=True)
    assert s3.get_bucket_versioning(Bucket="locked")["Status"] == "Enabled"
    assert s3.get_object_lock_configuration(Bucket="locked")["ObjectLockConfiguration"] == {
        "ObjectLockEnabled": "Enabled"}
    r = expect("InvalidBucketState", 409, s3.put_bucket_versioning, Bucket="locked",
               VersioningConfiguration={"Status": "Suspended"})
    assert "Object Lock" in r["Error"]["Message"]
    assert s3.put_object(Bucket="locked", Key="k", Body=b"1")["VersionId"] != "null"


# --- writes, reads and deletes by version ---

def test_every_write_gets_a_version(s3, vbucket):
    v1 = s3.put_object(Bucket=vbucket, Key="k", Body=b"one")["VersionId"]
    v2 = s3.put_object(Bucket=vbucket, Key="k", Body=b"two")["VersionId"]
    assert v1 != v2 and len(v1) == 32 and v1 != "null"
    got = s3.get_object(Bucket=vbucket, Key="k")
    assert got["Body"].read() == b"two" and got["VersionId"] == v2
    old = s3.get_object(Bucket=vbucket, Key="k", VersionId=v1)
    assert old["Body"].read() == b"one" and old["VersionId"] == v1
    assert s3.head_object(Bucket=vbucket, Key="k", VersionId=v1)["ContentLength"] == 3
    ranged = s3.get_object(Bucket=vbucket, Key="k", VersionId=v1, Range="bytes=1-")
    assert ranged["Body"].read() == b"ne"
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=vbucket)["Contents"]] == ["k"]


def test_delete_puts_a_marker_on_top(s3, server, vbucket):
    v1 = s3.put_object(Bucket=vbucket, Key="k", Body=b"one")["VersionId"]
    d = s3.delete_object(Bucket=vbucket, Key="k")
    assert d["DeleteMarker"] is True and d["VersionId"] not in (v1, "null")
    r = expect("NoSuchKey", 404, s3.get_object, Bucket=vbucket, Key="k")
    headers = r["ResponseMetadata"]["HTTPHeaders"]
    assert headers["x-amz-delete-marker"] == "true"
    assert headers["x-amz-version-id"] == d["VersionId"]
    expect("404", 404, s3.head_object, Bucket=vbucket, Key="k")
    assert "Contents" not in s3.list_objects_v2(Bucket=vbucket)
    # The marker named by id: 405, with its headers.
    r = expect("MethodNotAllowed", 405, s3.get_object, Bucket=vbucket, Key="k",
               VersionId=d["VersionId"])
    assert r["ResponseMetadata"]["HTTPHeaders"]["x-amz-delete-marker"] == "true"
    assert "last-modified" in r["ResponseMetadata"]["HTTPHeaders"]
    expect("405", 405, s3.head_object, Bucket=vbucket, Key="k", VersionId=d["VersionId"])
    # The old version is still there, by id.
    assert s3.get_object(Bucket=vbucket, Key="k", VersionId=v1)["Body"].read() == b"one"
    # Deleting the marker brings the object back.
    undo = s3.delete_object(Bucket=vbucket, Key="k", VersionId=d["VersionId"])
    assert undo["DeleteMarker"] is True and undo["VersionId"] == d["VersionId"]
    assert s3.get_object(Bucket=vbucket, Key="k")["Body"].read() == b"one"


def test_deleting_a_version_for_good_promotes_the_previous(s3, vbucket):
    v1 = s3.put_object(Bucket=vbucket, Key="k", Body=b"one")["VersionId"]
    v2 = s3.put_object(Bucket=vbucket, Key="k", Body=b"two")["VersionId"]
    d = s3.delete_object(Bucket=vbucket, Key="k", VersionId=v2)
    assert d["VersionId"] == v2 and "DeleteMarker" not in d
    assert s3.get_object(Bucket=vbucket, Key="k")["Body"].read() == b"one"
    expect("NoSuchVersion", 404, s3.get_object, Bucket=vbucket, Key="k", VersionId=v2)
    # Deleting a version that is gone succeeds, as S3 does.
    assert s3.delete_object(Bucket=vbucket, Key="k", VersionId=v2)["ResponseMetadata"][
        "HTTPStatusCode"] == 204
    s3.delete_object(Bucket=vbucket, Key="k", VersionId=v1)
    expect("NoSuchKey", 404, s3.get_object, Bucket=vbucket, Key="k")
    assert "Versions" not in s3.list_object_versions(Bucket=vbucket)
    s3.delete_bucket(Bucket=vbucket)


def test_bad_and_unknown_version_ids(s3, vbucket):
    s3.put_object(Bucket=vbucket, Key="k", Body=b"one")
    r = expect("InvalidArgument", 400, s3.get_object, Bucket=vbucket, Key="k", VersionId="nope")
    assert r["Error"]["Message"] == "Invalid version id specified"
    expect("InvalidArgument", 400, s3.delete_object, Bucket=vbucket, Key="k", VersionId="x" * 33)
    r = expect("NoSuchVersion", 404, s3.get_object, Bucket=vbucket, Key="k", VersionId="A" * 32)
    assert r["Error"]["VersionId"] == "A" * 32
    expect("NoSuchVersion", 404, s3.get_object_tagging, Bucket=vbucket, Key="k", VersionId="A" * 32)
    expect("InvalidArgument", 400, s3.list_object_versions, Bucket=vbucket, VersionIdMarker="x")


def test_versions_keep_the_bucket_alive(s3, vbucket):
    s3.put_object(Bucket=vbucket, Key="k", Body=b"1")
    s3.delete_object(Bucket=vbucket, Key="k")
    expect("BucketNotEmpty", 409, s3.delete_bucket, Bucket=vbucket)
    for v in s3.list_object_versions(Bucket=vbucket).get("Versions", []) + \
            s3.list_object_versions(Bucket=vbucket).get("DeleteMarkers", []):
        s3.delete_object(Bucket=vbucket, Key=v["Key"], VersionId=v["VersionId"])
    s3.delete_bucket(Bucket=vbucket)


# --- the null version ---

def test_null_version_before_versioning_and_while_suspended(s3, server):
    s3.create_bucket(Bucket="nulls")
    s3.put_object(Bucket="nulls", Key="k", Body=b"before")
    s3.put_bucket_versioning(Bucket="nulls", VersioningConfiguration={"Status": "Enabled"})
    assert s3.head_object(Bucket="nulls", Key="k")["VersionId"] == "null"
    v = s3.put_object(Bucket="nulls", Key="k", Body=b"versioned")["VersionId"]
    assert s3.get_object(Bucket="nulls", Key="k", VersionId="null")["Body"].read() == b"before"
    s3.put_bucket_versioning(Bucket="nulls", VersioningConfiguration={"Status": "Suspended"})
    assert s3.put_object(Bucket="nulls", Key="k", Body=b"s1")["VersionId"] == "null"
    s3.put_object(Bucket="nulls", Key="k", Body=b"s2")
    listed, _ = raw_versions(server, "nulls")
    # The suspended writes replaced the old null version: two versions left.
    assert listed == [("Version", "k", "null", True), ("Version", "k", v, False)]
    assert s3.get_object(Bucket="nulls", Key="k", VersionId="null")["Body"].read() == b"s2"
    d = s3.delete_object(Bucket="nulls", Key="k")
    assert d["DeleteMarker"] is True and d["VersionId"] == "null"
    listed, _ = raw_versions(server, "nulls")
    assert listed == [("DeleteMarker", "k", "null", True), ("Version", "k", v, False)]


# --- listing ---

def test_list_object_versions_pages_and_prefixes(s3, server, vbucket):
    ids = {}
    for key in ["a", "a", "a", "dir/x", "dir/y", "z"]:
        ids.setdefault(key, []).append(s3.put_object(Bucket=vbucket, Key=key, Body=key.encode())["VersionId"])
    marker = s3.delete_object(Bucket=vbucket, Key="z")["VersionId"]
    listed, root = raw_versions(server, vbucket)
    assert listed == [
        ("Version", "a", ids["a"][2], True), ("Version", "a", ids["a"][1], False),
        ("Version", "a", ids["a"][0], False), ("Version", "dir/x", ids["dir/x"][0], True),
        ("Version", "dir/y", ids["dir/y"][0], True), ("DeleteMarker", "z", marker, True),
        ("Version", "z", ids["z"][0], False)]
    # One entry per page, following NextKeyMarker/NextVersionIdMarker, gives the same order.
    seen, kw = [], {}
    while True:
        page = s3.list_object_versions(Bucket=vbucket, MaxKeys=1, **kw)
        entries = page.get("Versions", []) + page.get("DeleteMarkers", [])
        assert len(entries) == 1
        seen.append((entries[0]["Key"], entries[0]["VersionId"]))
        if not page["IsTruncated"]:
            break
        kw = {"KeyMarker": page["NextKeyMarker"], "VersionIdMarker": page["NextVersionIdMarker"]}
    assert seen == [(e[1], e[2]) for e in listed]
    # The paginator the CLI uses agrees.
    got = cli_json(server, "s3api", "list-object-versions", "--bucket", vbucket, "--page-size", "2")
    assert len(got["Versions"]) == 6 and len(got["DeleteMarkers"]) == 1
    # A delimiter folds keys into common prefixes, counted once.
    d = s3.list_object_versions(Bucket=vbucket, Delimiter="/")
    assert [p["Prefix"] for p in d["CommonPrefixes"]] == ["dir/"]
    assert sorted({v["Key"] for v in d["Versions"]}) == ["a", "z"]
    p = s3.list_object_versions(Bucket=vbucket, Prefix="dir/")
    assert [v["Key"] for v in p["Versions"]] == ["dir/x", "dir/y"]
    # A key marker alone starts after every version of that key.
    k = s3.list_object_versions(Bucket=vbucket, KeyMarker="a")
    assert {v["Key"] for v in k["Versions"]} == {"dir/x", "dir/y", "z"}


# --- DeleteObjects, copies, multipart, tagging ---

def test_delete_objects_with_versions(s3, vbucket):
    v1 = s3.put_object(Bucket=vbucket, Key="a", Body=b"1")["VersionId"]
    v2 = s3.put_object(Bucket=vbucket, Key="a", Body=b"2")["VersionId"]
    s3.put_object(Bucket=vbucket, Key="b", Body=b"b")
    r = s3.delete_objects(Bucket=vbucket, Delete={"Objects": [
        {"Key": "a", "VersionId": v1}, {"Key": "b"}, {"Key": "c", "VersionId": "nope"}]})
    by_key = {d["Key"]: d for d in r["Deleted"]}
    assert by_key["a"] == {"Key": "a", "VersionId": v1}
    assert by_key["b"]["DeleteMarker"] is True and len(by_key["b"]["DeleteMarkerVersionId"]) == 32
    assert r["Errors"] == [{"Key": "c", "VersionId": "nope", "Code": "NoSuchVersion",
                            "Message": "The specified version does not exist."}]
    assert s3.get_object(Bucket=vbucket, Key="a")["VersionId"] == v2
    expect("NoSuchKey", 404, s3.get_object, Bucket=vbucket, Key="b")
    # Removing the marker by id through DeleteObjects restores b.
    r = s3.delete_objects(Bucket=vbucket, Delete={"Objects": [
        {"Key": "b", "VersionId": by_key["b"]["DeleteMarkerVersionId"]}]})
    assert r["Deleted"][0]["DeleteMarker"] is True
    assert s3.get_object(Bucket=vbucket, Key="b")["Body"].read() == b"b"


def test_copy_restores_an_old_version(s3, vbucket):
    v1 = s3.put_object(Bucket=vbucket, Key="k", Body=b"old", Metadata={"m": "1"})["VersionId"]
    s3.put_object(Bucket=vbucket, Key="k", Body=b"new")
    c = s3.copy_object(Bucket=vbucket, Key="k", CopySource={"Bucket": vbucket, "Key": "k", "VersionId": v1})
    assert c["CopySourceVersionId"] == v1 and c["VersionId"] not in (v1, "null")
    got = s3.get_object(Bucket=vbucket, Key="k")
    assert got["Body"].read() == b"old" and got["Metadata"] == {"m": "1"}
    assert len(s3.list_object_versions(Bucket=vbucket)["Versions"]) == 3
    marker = s3.delete_object(Bucket=vbucket, Key="k")["VersionId"]
    r = expect("InvalidRequest", 400, s3.copy_object, Bucket=vbucket, Key="k2",
               CopySource={"Bucket": vbucket, "Key": "k", "VersionId": marker})
    assert "delete marker" in r["Error"]["Message"]
    expect("NoSuchKey", 404, s3.copy_object, Bucket=vbucket, Key="k2",
           CopySource={"Bucket": vbucket, "Key": "k"})
    expect("NoSuchVersion", 404, s3.copy_object, Bucket=vbucket, Key="k2",
           CopySource={"Bucket": vbucket, "Key": "k", "VersionId": "B" * 32})
    # UploadPartCopy reads a version too.
    up = s3.create_multipart_upload(Bucket=vbucket, Key="mp")["UploadId"]
    part = s3.upload_part_copy(Bucket=vbucket, Key="mp", UploadId=up, PartNumber=1,
                               CopySource={"Bucket": vbucket, "Key": "k", "VersionId": v1})
    assert part["CopySourceVersionId"] == v1
    done = s3.complete_multipart_upload(Bucket=vbucket, Key="mp", UploadId=up, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": part["CopyPartResult"]["ETag"]}]})
    assert len(done["VersionId"]) == 32
    assert s3.get_object(Bucket=vbucket, Key="mp")["Body"].read() == b"old"


def test_multipart_into_a_versioned_bucket(s3, vbucket):
    first = s3.put_object(Bucket=vbucket, Key="big", Body=b"small")["VersionId"]
    up = s3.create_multipart_upload(Bucket=vbucket, Key="big")["UploadId"]
    p1 = s3.upload_part(Bucket=vbucket, Key="big", UploadId=up, PartNumber=1, Body=b"a" * 5 * 1024 * 1024)
    p2 = s3.upload_part(Bucket=vbucket, Key="big", UploadId=up, PartNumber=2, Body=b"b")
    done = s3.complete_multipart_upload(Bucket=vbucket, Key="big", UploadId=up, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": p1["ETag"]}, {"PartNumber": 2, "ETag": p2["ETag"]}]})
    assert done["VersionId"] != first
    assert s3.head_object(Bucket=vbucket, Key="big")["ContentLength"] == 5 * 1024 * 1024 + 1
    assert s3.get_object(Bucket=vbucket, Key="big", VersionId=first)["Body"].read() == b"small"
    attrs = s3.get_object_attributes(Bucket=vbucket, Key="big", VersionId=first,
                                     ObjectAttributes=["ObjectSize"])
    assert attrs["ObjectSize"] == 5 and attrs["VersionId"] == first


def test_tagging_by_version(s3, vbucket):
    v1 = s3.put_object(Bucket=vbucket, Key="k", Body=b"1", Tagging="v=1")["VersionId"]
    v2 = s3.put_object(Bucket=vbucket, Key="k", Body=b"2")["VersionId"]
    r = s3.put_object_tagging(Bucket=vbucket, Key="k", VersionId=v1,
                              Tagging={"TagSet": [{"Key": "old", "Value": "yes"}]})
    assert r["VersionId"] == v1
    assert s3.get_object_tagging(Bucket=vbucket, Key="k", VersionId=v1)["TagSet"] == [
        {"Key": "old", "Value": "yes"}]
    cur = s3.get_object_tagging(Bucket=vbucket, Key="k")
    assert cur["TagSet"] == [] and cur["VersionId"] == v2
    s3.delete_object_tagging(Bucket=vbucket, Key="k", VersionId=v1)
    assert s3.get_object_tagging(Bucket=vbucket, Key="k", VersionId=v1)["TagSet"] == []
    marker = s3.delete_object(Bucket=vbucket, Key="k")["VersionId"]
    expect("MethodNotAllowed", 405, s3.get_object_tagging, Bucket=vbucket, Key="k", VersionId=marker)


def test_cli_reads_and_deletes_versions(server, s3, vbucket, tmp_path):
    v1 = s3.put_object(Bucket=vbucket, Key="k", Body=b"one")["VersionId"]
    s3.put_object(Bucket=vbucket, Key="k", Body=b"two")
    out = tmp_path / "got"
    meta = cli_json(server, "s3api", "get-object", "--bucket", vbucket, "--key", "k",
                    "--version-id", v1, str(out))
    assert meta["VersionId"] == v1 and out.read_bytes() == b"one"
    d = cli_json(server, "s3api", "delete-object", "--bucket", vbucket, "--key", "k",
                 "--version-id", v1)
    assert d["VersionId"] == v1
    listed = cli_json(server, "s3api", "list-object-versions", "--bucket", vbucket)
    assert [v["VersionId"] for v in listed["Versions"]] != [v1]
    assert len(listed["Versions"]) == 1


# --- notifications and lifecycle ---

def receive_records(sqs, q, n):
    records = []
    for _ in range(20):
        for m in sqs.receive_message(QueueUrl=q, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
            records += json.loads(m["Body"]).get("Records", [])
        if len(records) >= n:
            break
    return records


def test_notifications_carry_the_version(s3, sqs, vbucket):
    q = sqs.create_queue(QueueName="vers-events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3.put_bucket_notification_configuration(Bucket=vbucket, NotificationConfiguration={
        "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]}]})
    sqs.purge_queue(QueueUrl=q)
    time.sleep(0.2)
    v1 = s3.put_object(Bucket=vbucket, Key="k", Body=b"1")["VersionId"]
    marker = s3.delete_object(Bucket=vbucket, Key="k")["VersionId"]
    s3.delete_object(Bucket=vbucket, Key="k", VersionId=v1)
    records = [r for r in receive_records(sqs, q, 3) if r.get("eventName")]
    got = [(r["eventName"], r["s3"]["object"].get("versionId")) for r in records]
    assert got == [("ObjectCreated:Put", v1), ("ObjectRemoved:DeleteMarkerCreated", marker),
                   ("ObjectRemoved:Delete", v1)]


def wait_for(check, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return check()


def test_lifecycle_on_noncurrent_versions_and_lone_markers(s3, server, vbucket):
    for body in [b"1", b"2", b"3", b"4"]:
        s3.put_object(Bucket=vbucket, Key="keep/k", Body=body)
    s3.put_object(Bucket=vbucket, Key="gone", Body=b"x")
    s3.put_object(Bucket=vbucket, Key="expire/e", Body=b"e")
    s3.put_bucket_lifecycle_configuration(Bucket=vbucket, LifecycleConfiguration={"Rules": [
        {"ID": "noncurrent", "Status": "Enabled", "Filter": {"Prefix": "keep/"},
         "NoncurrentVersionExpiration": {"NoncurrentDays": 1, "NewerNoncurrentVersions": 1}},
        {"ID": "markers", "Status": "Enabled", "Filter": {"Prefix": "gone"},
         "Expiration": {"ExpiredObjectDeleteMarker": True}},
        {"ID": "current", "Status": "Enabled", "Filter": {"Prefix": "expire/"},
         "Expiration": {"Days": 1}}]})
    first_marker = s3.delete_object(Bucket=vbucket, Key="gone")["VersionId"]
    gone_versions = [v["VersionId"] for v in s3.list_object_versions(Bucket=vbucket, Prefix="gone")["Versions"]]
    s3.delete_object(Bucket=vbucket, Key="gone", VersionId=gone_versions[0])
    time.sleep(1.5)
    assert len(s3.list_object_versions(Bucket=vbucket, Prefix="keep/")["Versions"]) == 4
    advance_clock(server, 3 * 86400)

    def state():
        r = s3.list_object_versions(Bucket=vbucket)
        return ([(v["Key"], v["IsLatest"]) for v in r.get("Versions", [])],
                [(m["Key"], m["IsLatest"]) for m in r.get("DeleteMarkers", [])])
    # keep/k: the current version and the newest noncurrent one stay; the lone marker on
    # "gone" goes; expire/e gets a marker over it (its data stays, noncurrent).
    assert wait_for(lambda: state() == ([("expire/e", False), ("keep/k", True), ("keep/k", False)],
                                        [("expire/e", True)])), state()
    assert first_marker


def test_versions_survive_kill_9(tmp_path):
    srv = Server(data_dir=tmp_path)
    try:
        c = make_client(srv)
        c.create_bucket(Bucket="durable-vers")
        c.put_bucket_versioning(Bucket="durable-vers", VersioningConfiguration={"Status": "Enabled"})
        v1 = c.put_object(Bucket="durable-vers", Key="k", Body=b"one")["VersionId"]
        v2 = c.put_object(Bucket="durable-vers", Key="k", Body=b"x" * 300_000)["VersionId"]
        marker = c.delete_object(Bucket="durable-vers", Key="k")["VersionId"]
        srv.stop(signal.SIGKILL)
        srv.start()
        c = make_client(srv)
        assert c.get_bucket_versioning(Bucket="durable-vers")["Status"] == "Enabled"
        r = c.list_object_versions(Bucket="durable-vers")
        assert [v["VersionId"] for v in r["Versions"]] == [v2, v1]
        assert [m["VersionId"] for m in r["DeleteMarkers"]] == [marker]
        assert c.get_object(Bucket="durable-vers", Key="k", VersionId=v2)["Body"].read() == b"x" * 300_000
        c.delete_object(Bucket="durable-vers", Key="k", VersionId=marker)
        assert c.get_object(Bucket="durable-vers", Key="k")["Body"].read() == b"x" * 300_000
    finally:
        srv.cleanup()


# --- Object Lock on versions: retention and legal holds ---

def test_object_retention_and_legal_hold(s3):
    import datetime
    s3.create_bucket(Bucket="worm", ObjectLockEnabledForBucket=True)
    future = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=2)
    put = s3.put_object(Bucket="worm", Key="k", Body=b"kept", ObjectLockMode="GOVERNANCE",
                        ObjectLockRetainUntilDate=future)
    head = s3.head_object(Bucket="worm", Key="k")
    assert head["ObjectLockMode"] == "GOVERNANCE"
    assert abs((head["ObjectLockRetainUntilDate"] - future).total_seconds()) < 1
    r = s3.get_object_retention(Bucket="worm", Key="k")["Retention"]
    assert r["Mode"] == "GOVERNANCE"
    # A retained version cannot be deleted by id, except by bypassing GOVERNANCE.
    expect("AccessDenied", 403, s3.delete_object, Bucket="worm", Key="k", VersionId=put["VersionId"])
    # A simple delete only puts a marker on top: allowed.
    s3.delete_object(Bucket="worm", Key="k")
    # Shortening a GOVERNANCE retention needs the bypass too.
    expect("AccessDenied", 403, s3.put_object_retention, Bucket="worm", Key="k",
           VersionId=put["VersionId"], Retention={"Mode": "GOVERNANCE",
                                                  "RetainUntilDate": future - datetime.timedelta(days=1)})
    s3.put_object_retention(Bucket="worm", Key="k", VersionId=put["VersionId"],
                            Retention={"Mode": "COMPLIANCE", "RetainUntilDate": future})
    expect("AccessDenied", 403, s3.delete_object, Bucket="worm", Key="k",
           VersionId=put["VersionId"], BypassGovernanceRetention=True)
    # Legal hold: on, read back, and it blocks deletion of a version without retention.
    plain = s3.put_object(Bucket="worm", Key="held", Body=b"h")["VersionId"]
    with pytest.raises(ClientError) as e:
        s3.get_object_legal_hold(Bucket="worm", Key="held")
    assert error_of(e) == ("NoSuchObjectLockConfiguration", 404)
    s3.put_object_legal_hold(Bucket="worm", Key="held", LegalHold={"Status": "ON"})
    assert s3.get_object_legal_hold(Bucket="worm", Key="held")["LegalHold"]["Status"] == "ON"
    assert s3.head_object(Bucket="worm", Key="held")["ObjectLockLegalHoldStatus"] == "ON"
    r = s3.delete_objects(Bucket="worm", Delete={"Objects": [{"Key": "held", "VersionId": plain}]})
    assert r["Errors"][0]["Code"] == "AccessDenied"
    s3.put_object_legal_hold(Bucket="worm", Key="held", LegalHold={"Status": "OFF"})
    s3.delete_object(Bucket="worm", Key="held", VersionId=plain)


def test_default_retention_and_lock_validation(s3):
    import datetime
    s3.create_bucket(Bucket="worm-default", ObjectLockEnabledForBucket=True)
    s3.put_object_lock_configuration(Bucket="worm-default", ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 3}}})
    s3.put_object(Bucket="worm-default", Key="k", Body=b"1")
    r = s3.get_object_retention(Bucket="worm-default", Key="k")["Retention"]
    left = r["RetainUntilDate"] - datetime.datetime.now(datetime.timezone.utc)
    assert r["Mode"] == "GOVERNANCE" and datetime.timedelta(days=2.9) < left < datetime.timedelta(days=3.1)
    past = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)
    expect("InvalidArgument", 400, s3.put_object, Bucket="worm-default", Key="p", Body=b"1",
           ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=past)
    expect("InvalidArgument", 400, s3.put_object, Bucket="worm-default", Key="p", Body=b"1",
           ObjectLockMode="GOVERNANCE")
    expect("InvalidArgument", 400, s3.put_object, Bucket="worm-default", Key="p", Body=b"1",
           ObjectLockMode="FOREVER", ObjectLockRetainUntilDate=past)
    expect("MalformedXML", 400, s3.put_object_legal_hold, Bucket="worm-default", Key="k",
           LegalHold={"Status": "MAYBE"})
    # Buckets without Object Lock take none of it.
    s3.create_bucket(Bucket="no-worm")
    s3.put_object(Bucket="no-worm", Key="k", Body=b"1")
    r = expect("InvalidRequest", 400, s3.put_object, Bucket="no-worm", Key="k2", Body=b"1",
               ObjectLockLegalHoldStatus="ON")
    assert r["Error"]["Message"] == "Bucket is missing Object Lock Configuration"
    expect("InvalidRequest", 400, s3.get_object_retention, Bucket="no-worm", Key="k")
    expect("InvalidRequest", 400, s3.put_object_legal_hold, Bucket="no-worm", Key="k",
           LegalHold={"Status": "ON"})
