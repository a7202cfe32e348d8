"""Multipart uploads with boto3 and the AWS CLI: part rules, errors, ETags, listings, copies."""
import base64
import hashlib
import os
import zlib

import pytest
from botocore.exceptions import ClientError

from conftest import cli_json, error_of, run_cli

MiB = 1024 * 1024


@pytest.fixture
def bucket(s3):
    s3.create_bucket(Bucket="mpu")
    return "mpu"


def multipart_etag(parts):
    return '"%s-%d"' % (hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest(), len(parts))


def test_complete_upload(s3, bucket):
    parts = [os.urandom(5 * MiB), os.urandom(5 * MiB), b"tail"]
    up = s3.create_multipart_upload(Bucket=bucket, Key="big", ContentType="video/mp4", Metadata={"k": "v"})
    uid = up["UploadId"]
    etags = [s3.upload_part(Bucket=bucket, Key="big", UploadId=uid, PartNumber=i + 1, Body=p)["ETag"]
             for i, p in enumerate(parts)]
    listed = s3.list_parts(Bucket=bucket, Key="big", UploadId=uid)
    assert [p["PartNumber"] for p in listed["Parts"]] == [1, 2, 3]
    assert [p["Size"] for p in listed["Parts"]] == [5 * MiB, 5 * MiB, 4]
    ups = s3.list_multipart_uploads(Bucket=bucket)["Uploads"]
    assert [(u["Key"], u["UploadId"]) for u in ups] == [("big", uid)]
    r = s3.complete_multipart_upload(Bucket=bucket, Key="big", UploadId=uid, MultipartUpload={
        "Parts": [{"PartNumber": i + 1, "ETag": e} for i, e in enumerate(etags)]})
    assert r["ETag"] == multipart_etag(parts)
    got = s3.get_object(Bucket=bucket, Key="big")
    assert got["Body"].read() == b"".join(parts)
    assert got["ContentType"] == "video/mp4" and got["Metadata"] == {"k": "v"}
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=bucket)
    with pytest.raises(ClientError) as e:
        s3.list_parts(Bucket=bucket, Key="big", UploadId=uid)
    assert error_of(e) == ("NoSuchUpload", 404)


def test_part_rules(s3, bucket):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    small = s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=1, Body=b"too small")["ETag"]
    last = s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=2, Body=b"last")["ETag"]
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid, MultipartUpload={
            "Parts": [{"PartNumber": 1, "ETag": small}, {"PartNumber": 2, "ETag": last}]})
    assert error_of(e) == ("EntityTooSmall", 400)
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid, MultipartUpload={
            "Parts": [{"PartNumber": 2, "ETag": last}, {"PartNumber": 1, "ETag": small}]})
    assert error_of(e) == ("InvalidPartOrder", 400)
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid, MultipartUpload={
            "Parts": [{"PartNumber": 1, "ETag": '"ffffffffffffffffffffffffffffffff"'}]})
    assert error_of(e) == ("InvalidPart", 400)
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid, MultipartUpload={
            "Parts": [{"PartNumber": 7, "ETag": small}]})
    assert error_of(e) == ("InvalidPart", 400)
    with pytest.raises(ClientError) as e:
        s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=10001, Body=b"x")
    assert error_of(e) == ("InvalidArgument", 400)
    # A single small part is a valid (last) part.
    r = s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid, MultipartUpload={
        "Parts": [{"PartNumber": 2, "ETag": last}]})
    assert r["ETag"] == multipart_etag([b"last"])
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"last"


def test_abort_and_no_such_upload(s3, bucket):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=1, Body=b"x")
    s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=uid)
    for call in [lambda: s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=uid),
                 lambda: s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=1, Body=b"x"),
                 lambda: s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid,
                                                      MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"x"'}]}),
                 lambda: s3.upload_part(Bucket=bucket, Key="other-key", UploadId=uid, PartNumber=1, Body=b"x")]:
        with pytest.raises(ClientError) as e:
            call()
        assert error_of(e) == ("NoSuchUpload", 404)


def test_upload_part_copy(s3, bucket):
    src = os.urandom(6 * MiB)
    s3.put_object(Bucket=bucket, Key="src", Body=src)
    uid = s3.create_multipart_upload(Bucket=bucket, Key="assembled")["UploadId"]
    p1 = s3.upload_part_copy(Bucket=bucket, Key="assembled", UploadId=uid, PartNumber=1,
                             CopySource={"Bucket": bucket, "Key": "src"}, CopySourceRange="bytes=0-5242879")
    p2 = s3.upload_part_copy(Bucket=bucket, Key="assembled", UploadId=uid, PartNumber=2,
                             CopySource={"Bucket": bucket, "Key": "src"}, CopySourceRange=f"bytes=5242880-{len(src) - 1}")
    s3.complete_multipart_upload(Bucket=bucket, Key="assembled", UploadId=uid, MultipartUpload={"Parts": [
        {"PartNumber": 1, "ETag": p1["CopyPartResult"]["ETag"]}, {"PartNumber": 2, "ETag": p2["CopyPartResult"]["ETag"]}]})
    assert s3.get_object(Bucket=bucket, Key="assembled")["Body"].read() == src
    with pytest.raises(ClientError) as e:
        s3.upload_part_copy(Bucket=bucket, Key="assembled", UploadId="nope", PartNumber=1, CopySource=f"{bucket}/src")
    assert error_of(e) == ("NoSuchUpload", 404)
    uid = s3.create_multipart_upload(Bucket=bucket, Key="x")["UploadId"]
    with pytest.raises(ClientError) as e:
        s3.upload_part_copy(Bucket=bucket, Key="x", UploadId=uid, PartNumber=1, CopySource=f"{bucket}/src",
                            CopySourceRange=f"bytes=0-{len(src)}")
    assert error_of(e) == ("InvalidRange", 416)


def test_composite_checksum(s3, bucket):
    parts = [os.urandom(5 * MiB), b"end"]
    uid = s3.create_multipart_upload(Bucket=bucket, Key="sum", ChecksumAlgorithm="CRC32")["UploadId"]
    res = [s3.upload_part(Bucket=bucket, Key="sum", UploadId=uid, PartNumber=i + 1, Body=p, ChecksumAlgorithm="CRC32")
           for i, p in enumerate(parts)]
    done = s3.complete_multipart_upload(Bucket=bucket, Key="sum", UploadId=uid, MultipartUpload={"Parts": [
        {"PartNumber": i + 1, "ETag": r["ETag"], "ChecksumCRC32": r["ChecksumCRC32"]} for i, r in enumerate(res)]})
    raw = b"".join(zlib.crc32(p).to_bytes(4, "big") for p in parts)
    expected = base64.b64encode(zlib.crc32(raw).to_bytes(4, "big")).decode() + "-2"
    assert done["ChecksumCRC32"] == expected
    head = s3.head_object(Bucket=bucket, Key="sum", ChecksumMode="ENABLED")
    assert head["ChecksumCRC32"] == expected


def test_cli_multipart_commands(server, tmp_path):
    run_cli(server, "s3", "mb", "s3://climp")
    up = cli_json(server, "s3api", "create-multipart-upload", "--bucket", "climp", "--key", "obj")
    uid = up["UploadId"]
    f = tmp_path / "part"
    f.write_bytes(b"only part")
    p = cli_json(server, "s3api", "upload-part", "--bucket", "climp", "--key", "obj", "--upload-id", uid,
                 "--part-number", "1", "--body", str(f))
    ups = cli_json(server, "s3api", "list-multipart-uploads", "--bucket", "climp")
    assert ups["Uploads"][0]["UploadId"] == uid
    parts = cli_json(server, "s3api", "list-parts", "--bucket", "climp", "--key", "obj", "--upload-id", uid)
    assert parts["Parts"][0]["ETag"] == p["ETag"]
    import json
    cli_json(server, "s3api", "complete-multipart-upload", "--bucket", "climp", "--key", "obj", "--upload-id", uid,
             "--multipart-upload", json.dumps({"Parts": [{"PartNumber": 1, "ETag": p["ETag"]}]}))
    out = tmp_path / "out"
    cli_json(server, "s3api", "get-object", "--bucket", "climp", "--key", "obj", str(out))
    assert out.read_bytes() == b"only part"
    up2 = cli_json(server, "s3api", "create-multipart-upload", "--bucket", "climp", "--key", "obj2")
    run_cli(server, "s3api", "abort-multipart-upload", "--bucket", "climp", "--key", "obj2", "--upload-id", up2["UploadId"])
    r = run_cli(server, "s3api", "abort-multipart-upload", "--bucket", "climp", "--key", "obj2",
                "--upload-id", up2["UploadId"], check=False)
    assert r.returncode != 0 and "NoSuchUpload" in r.stderr


def test_get_by_part_number(s3, bucket):
    parts = [os.urandom(5 * MiB), os.urandom(5 * MiB), b"last part"]
    uid = s3.create_multipart_upload(Bucket=bucket, Key="parts")["UploadId"]
    etags = [s3.upload_part(Bucket=bucket, Key="parts", UploadId=uid, PartNumber=i + 1, Body=p)["ETag"]
             for i, p in enumerate(parts)]
    s3.complete_multipart_upload(Bucket=bucket, Key="parts", UploadId=uid, MultipartUpload={
        "Parts": [{"PartNumber": i + 1, "ETag": e} for i, e in enumerate(etags)]})
    for n, p in enumerate(parts, start=1):
        got = s3.get_object(Bucket=bucket, Key="parts", PartNumber=n)
        assert got["Body"].read() == p
        assert got["PartsCount"] == 3 and got["ResponseMetadata"]["HTTPStatusCode"] == 206
        head = s3.head_object(Bucket=bucket, Key="parts", PartNumber=n)
        assert head["ContentLength"] == len(p) and head["PartsCount"] == 3
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="parts", PartNumber=4)
    assert error_of(e) == ("InvalidPartNumber", 416)
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="parts", PartNumber=1, Range="bytes=0-1")
    assert error_of(e) == ("InvalidRequest", 400)
    s3.put_object(Bucket=bucket, Key="single", Body=b"one part")
    assert s3.get_object(Bucket=bucket, Key="single", PartNumber=1)["Body"].read() == b"one part"
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="single", PartNumber=2)
    assert error_of(e) == ("InvalidPartNumber", 416)


def test_repeated_complete_announces_once(s3, sqs, bucket):
    import json
    q = sqs.create_queue(QueueName="mp-once")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]})
    up = s3.create_multipart_upload(Bucket=bucket, Key="once")["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key="once", PartNumber=1, UploadId=up, Body=b"p")["ETag"]
    for _ in range(2):
        s3.complete_multipart_upload(Bucket=bucket, Key="once", UploadId=up,
                                     MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
    names = []
    for _ in range(3):
        for m in sqs.receive_message(QueueUrl=q, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
            names += [r["eventName"] for r in json.loads(m["Body"]).get("Records", [])]
    assert names == ["ObjectCreated:CompleteMultipartUpload"]


def test_repeated_complete_gets_the_first_answer(s3, bucket):
    parts = [os.urandom(5 * MiB), b"tail"]
    up = s3.create_multipart_upload(Bucket=bucket, Key="again")["UploadId"]
    done = [{"PartNumber": n, "ETag": s3.upload_part(Bucket=bucket, Key="again", PartNumber=n,
                                                     UploadId=up, Body=p)["ETag"]}
            for n, p in enumerate(parts, 1)]
    first = s3.complete_multipart_upload(Bucket=bucket, Key="again", UploadId=up,
                                         MultipartUpload={"Parts": done})
    # A client that lost the first answer completes again and is told the same.
    second = s3.complete_multipart_upload(Bucket=bucket, Key="again", UploadId=up,
                                          MultipartUpload={"Parts": done})
    assert second["ETag"] == first["ETag"] and second["Key"] == "again"
    assert s3.head_object(Bucket=bucket, Key="again")["ContentLength"] == 5 * MiB + 4
    # The upload itself is gone; an unknown id is still NoSuchUpload, as is the same id for
    # another key.
    with pytest.raises(ClientError) as e:
        s3.list_parts(Bucket=bucket, Key="again", UploadId=up)
    assert error_of(e) == ("NoSuchUpload", 404)
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="other", UploadId=up,
                                     MultipartUpload={"Parts": done})
    assert error_of(e) == ("NoSuchUpload", 404)
