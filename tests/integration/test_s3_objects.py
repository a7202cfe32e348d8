"""S3 object operations: put/get/head/delete, ranges, conditionals, metadata, copy, tagging,
integrity checks. boto3 drives most; the AWS CLI covers the same operations from the shell."""
import base64
import datetime
import hashlib
import json
import os
import zlib

import pytest
from botocore.exceptions import ClientError

from conftest import cli_json, error_of, run_cli


@pytest.fixture
def bucket(s3):
    s3.create_bucket(Bucket="objects")
    return "objects"


def test_put_get_head_delete(s3, bucket):
    body = os.urandom(100_000)
    put = s3.put_object(Bucket=bucket, Key="dir/file.bin", Body=body, ContentType="application/x-test",
                        Metadata={"owner": "me", "Case": "Mixed"}, CacheControl="max-age=60",
                        ContentDisposition='attachment; filename="f.bin"', ContentEncoding="identity",
                        ContentLanguage="en", Expires=datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc))
    assert put["ETag"] == '"%s"' % hashlib.md5(body).hexdigest()
    got = s3.get_object(Bucket=bucket, Key="dir/file.bin")
    assert got["Body"].read() == body
    assert got["ContentType"] == "application/x-test"
    assert got["Metadata"] == {"owner": "me", "case": "Mixed"}
    assert got["CacheControl"] == "max-age=60"
    assert got["ContentDisposition"] == 'attachment; filename="f.bin"'
    assert got["ContentEncoding"] == "identity"
    assert got["ContentLanguage"] == "en"
    assert got["Expires"].year == 2030
    head = s3.head_object(Bucket=bucket, Key="dir/file.bin")
    assert head["ContentLength"] == len(body) and head["ETag"] == put["ETag"]
    s3.delete_object(Bucket=bucket, Key="dir/file.bin")
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="dir/file.bin")
    assert error_of(e) == ("NoSuchKey", 404)
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key="dir/file.bin")
    assert error_of(e) == ("404", 404)
    # Deleting a missing key is not an error in S3.
    s3.delete_object(Bucket=bucket, Key="never-existed")


def test_default_content_type_and_empty_object(s3, bucket):
    s3.put_object(Bucket=bucket, Key="empty", Body=b"")
    got = s3.get_object(Bucket=bucket, Key="empty")
    assert got["Body"].read() == b"" and got["ContentLength"] == 0
    assert got["ETag"] == '"d41d8cd98f00b204e9800998ecf8427e"'


def test_keys_are_keys_not_paths(s3, bucket):
    for key in ["../../etc/passwd", "a//b", "sp ace+plus%25", "ünïcødé/ключ", "?query#frag", "./dot"]:
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
        assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == key.encode()
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert "../../etc/passwd" in keys and "a//b" in keys


def test_missing_bucket_and_key_errors(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket="no-such-bucket", Key="k", Body=b"x")
    assert error_of(e) == ("NoSuchBucket", 404)
    assert e.value.response["Error"]["BucketName"] == "no-such-bucket"
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="missing")
    assert e.value.response["Error"]["Key"] == "missing"


def test_key_too_long(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="k" * 1025, Body=b"x")
    assert error_of(e) == ("KeyTooLongError", 400)


def test_metadata_too_large(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="k", Body=b"x", Metadata={"big": "v" * 2100})
    assert error_of(e) == ("MetadataTooLarge", 400)


def test_invalid_storage_class(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="k", Body=b"x", StorageClass="SUPER_FAST")
    assert error_of(e) == ("InvalidStorageClass", 400)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", StorageClass="STANDARD_IA")
    assert s3.head_object(Bucket=bucket, Key="k")["StorageClass"] == "STANDARD_IA"


@pytest.mark.parametrize("rng,status,expected", [
    ("bytes=0-9", 206, b"0123456789"),
    ("bytes=10-", 206, b"abcdef"),
    ("bytes=-3", 206, b"def"),
    ("bytes=14-100", 206, b"ef"),
    ("bytes=-100", 206, b"0123456789abcdef"),
    ("bytes=5-2", 200, b"0123456789abcdef"),   # invalid: ignored, whole object
    ("bytes=0-1,4-5", 200, b"0123456789abcdef"),  # several ranges: S3 sends the whole object
])
def test_ranges(s3, bucket, rng, status, expected):
    s3.put_object(Bucket=bucket, Key="r", Body=b"0123456789abcdef")
    got = s3.get_object(Bucket=bucket, Key="r", Range=rng)
    assert got["ResponseMetadata"]["HTTPStatusCode"] == status
    assert got["Body"].read() == expected
    if status == 206:
        assert got["ContentRange"].endswith("/16")


@pytest.mark.parametrize("rng", ["bytes=16-", "bytes=100-200", "bytes=-0"])
def test_unsatisfiable_range(s3, bucket, rng):
    s3.put_object(Bucket=bucket, Key="r", Body=b"0123456789abcdef")
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="r", Range=rng)
    assert error_of(e) == ("InvalidRange", 416)


def test_conditional_get(s3, bucket):
    etag = s3.put_object(Bucket=bucket, Key="c", Body=b"data")["ETag"]
    lm = s3.head_object(Bucket=bucket, Key="c")["LastModified"]
    before = lm - datetime.timedelta(hours=1)
    after = lm + datetime.timedelta(hours=1)
    assert s3.get_object(Bucket=bucket, Key="c", IfMatch=etag)["Body"].read() == b"data"
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="c", IfMatch='"0000"')
    assert error_of(e) == ("PreconditionFailed", 412)
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="c", IfNoneMatch=etag)
    assert error_of(e) == ("304", 304)
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="c", IfModifiedSince=lm)
    assert error_of(e) == ("304", 304)
    # A date in the future is not a valid validator (RFC 9110): the object is sent.
    assert s3.get_object(Bucket=bucket, Key="c", IfModifiedSince=after)["Body"].read() == b"data"
    assert s3.get_object(Bucket=bucket, Key="c", IfModifiedSince=before)["Body"].read() == b"data"
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="c", IfUnmodifiedSince=before)
    assert error_of(e) == ("PreconditionFailed", 412)
    # A true If-Match wins over a false If-Unmodified-Since (S3's documented pairing).
    assert s3.get_object(Bucket=bucket, Key="c", IfMatch=etag, IfUnmodifiedSince=before)["Body"].read() == b"data"
    # A false If-None-Match with a true If-Modified-Since is 304.
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="c", IfNoneMatch=etag, IfModifiedSince=before)
    assert error_of(e) == ("304", 304)
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key="c", IfMatch='"nope"')
    assert error_of(e) == ("412", 412)


def test_conditional_put_if_none_match(s3, bucket):
    s3.put_object(Bucket=bucket, Key="once", Body=b"1")
    with pytest.raises(ClientError) as e:
        _put_with_header(s3, bucket, "once", b"2", {"If-None-Match": "*"})
    assert error_of(e) == ("PreconditionFailed", 412)
    assert s3.get_object(Bucket=bucket, Key="once")["Body"].read() == b"1"
    _put_with_header(s3, bucket, "fresh", b"3", {"If-None-Match": "*"})
    assert s3.get_object(Bucket=bucket, Key="fresh")["Body"].read() == b"3"


def _put_with_header(s3, bucket, key, body, headers):
    def add(request, **kw):
        for k, v in headers.items():
            request.headers[k] = v
    s3.meta.events.register_first("before-sign.s3.PutObject", add)
    try:
        return s3.put_object(Bucket=bucket, Key=key, Body=body)
    finally:
        s3.meta.events.unregister("before-sign.s3.PutObject", add)


def test_response_overrides(s3, bucket):
    s3.put_object(Bucket=bucket, Key="o", Body=b"x", ContentType="text/plain")
    got = s3.get_object(Bucket=bucket, Key="o", ResponseContentType="image/png", ResponseContentDisposition="inline",
                        ResponseCacheControl="no-cache", ResponseContentLanguage="fr", ResponseContentEncoding="gzip",
                        ResponseExpires=datetime.datetime(2031, 5, 5, tzinfo=datetime.timezone.utc))
    assert got["ContentType"] == "image/png"
    assert got["ContentDisposition"] == "inline"
    assert got["CacheControl"] == "no-cache"
    assert got["ContentLanguage"] == "fr"
    assert got["ContentEncoding"] == "gzip"


def test_content_md5(s3, bucket):
    body = b"checked"
    good = base64.b64encode(hashlib.md5(body).digest()).decode()
    s3.put_object(Bucket=bucket, Key="m", Body=body, ContentMD5=good)
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="m", Body=body, ContentMD5=base64.b64encode(hashlib.md5(b"other").digest()).decode())
    assert error_of(e) == ("BadDigest", 400)
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="m", Body=body, ContentMD5="not-base64!")
    assert error_of(e) == ("InvalidDigest", 400)


@pytest.mark.parametrize("alg", ["CRC32", "CRC32C", "SHA1", "SHA256"])
def test_flexible_checksums(s3, bucket, alg):
    body = os.urandom(70_000)
    put = s3.put_object(Bucket=bucket, Key="sum", Body=body, ChecksumAlgorithm=alg)
    value = put["Checksum" + alg]
    if alg == "CRC32":
        assert base64.b64decode(value) == zlib.crc32(body).to_bytes(4, "big")
    if alg == "SHA256":
        assert base64.b64decode(value) == hashlib.sha256(body).digest()
    if alg == "SHA1":
        assert base64.b64decode(value) == hashlib.sha1(body).digest()
    head = s3.head_object(Bucket=bucket, Key="sum", ChecksumMode="ENABLED")
    assert head["Checksum" + alg] == value
    got = s3.get_object(Bucket=bucket, Key="sum", ChecksumMode="ENABLED")
    assert got["Body"].read() == body and got["Checksum" + alg] == value


def test_checksum_mismatch_is_bad_digest(s3, bucket):
    wrong = base64.b64encode(zlib.crc32(b"something else").to_bytes(4, "big")).decode()
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="bad", Body=b"payload", ChecksumCRC32=wrong)
    assert error_of(e) == ("BadDigest", 400)
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="bad")


def test_default_crc64nvme_checksum_when_none_sent(s3, bucket):
    s3.put_object(Bucket=bucket, Key="plain", Body=b"hello")
    head = s3.head_object(Bucket=bucket, Key="plain", ChecksumMode="ENABLED")
    headers = head["ResponseMetadata"]["HTTPHeaders"]
    # CRC-64/NVME("hello") computed independently below.
    assert base64.b64decode(headers["x-amz-checksum-crc64nvme"]) == crc64nvme(b"hello").to_bytes(8, "big")


def crc64nvme(data):
    poly = 0x9A6C9329AC4BC9B5
    crc = 0xFFFFFFFFFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFFFFFFFFFF


def test_copy_object_directives(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=b"copy me", ContentType="text/plain", Metadata={"a": "1"},
                  Tagging="t=1")
    r = s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"})
    assert r["CopyObjectResult"]["ETag"] == '"%s"' % hashlib.md5(b"copy me").hexdigest()
    got = s3.get_object(Bucket=bucket, Key="dst")
    assert got["Body"].read() == b"copy me" and got["Metadata"] == {"a": "1"} and got["ContentType"] == "text/plain"
    assert s3.get_object_tagging(Bucket=bucket, Key="dst")["TagSet"] == [{"Key": "t", "Value": "1"}]
    s3.copy_object(Bucket=bucket, Key="dst2", CopySource=f"{bucket}/src", MetadataDirective="REPLACE",
                   Metadata={"b": "2"}, ContentType="application/json", TaggingDirective="REPLACE", Tagging="u=2")
    got = s3.head_object(Bucket=bucket, Key="dst2")
    assert got["Metadata"] == {"b": "2"} and got["ContentType"] == "application/json"
    assert s3.get_object_tagging(Bucket=bucket, Key="dst2")["TagSet"] == [{"Key": "u", "Value": "2"}]
    # Copying onto itself needs a change.
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="src", CopySource=f"{bucket}/src")
    assert error_of(e) == ("InvalidRequest", 400)
    s3.copy_object(Bucket=bucket, Key="src", CopySource=f"{bucket}/src", MetadataDirective="REPLACE", Metadata={"c": "3"})
    assert s3.head_object(Bucket=bucket, Key="src")["Metadata"] == {"c": "3"}


def test_copy_object_errors_and_conditions(s3, bucket):
    etag = s3.put_object(Bucket=bucket, Key="src", Body=b"x")["ETag"]
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="d", CopySource=f"{bucket}/missing")
    assert error_of(e) == ("NoSuchKey", 404)
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="d", CopySource="no-such-bucket/src")
    assert error_of(e) == ("NoSuchBucket", 404)
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="d", CopySource=f"{bucket}/src", CopySourceIfMatch='"different"')
    assert error_of(e) == ("PreconditionFailed", 412)
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="d", CopySource=f"{bucket}/src", CopySourceIfNoneMatch=etag)
    assert error_of(e) == ("PreconditionFailed", 412)
    s3.copy_object(Bucket=bucket, Key="d", CopySource=f"{bucket}/src", CopySourceIfMatch=etag)
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="d", CopySource=f"{bucket}/src", MetadataDirective="MERGE")
    assert error_of(e) == ("InvalidArgument", 400)


def test_object_tagging(s3, bucket):
    s3.put_object(Bucket=bucket, Key="t", Body=b"x", Tagging="a=1&b=two%20words")
    assert s3.head_object(Bucket=bucket, Key="t")["ResponseMetadata"]["HTTPHeaders"]["x-amz-tagging-count"] == "2"
    tags = {t["Key"]: t["Value"] for t in s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"]}
    assert tags == {"a": "1", "b": "two words"}
    s3.put_object_tagging(Bucket=bucket, Key="t", Tagging={"TagSet": [{"Key": "c", "Value": "3"}]})
    assert s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"] == [{"Key": "c", "Value": "3"}]
    s3.delete_object_tagging(Bucket=bucket, Key="t")
    assert s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"] == []
    with pytest.raises(ClientError) as e:
        s3.put_object_tagging(Bucket=bucket, Key="t", Tagging={"TagSet": [{"Key": f"k{i}", "Value": "v"} for i in range(11)]})
    assert error_of(e) == ("InvalidTag", 400)
    with pytest.raises(ClientError) as e:
        s3.get_object_tagging(Bucket=bucket, Key="nope")
    assert error_of(e) == ("NoSuchKey", 404)


def test_delete_objects_verbose_and_quiet(s3, bucket):
    for k in ["a", "b", "c"]:
        s3.put_object(Bucket=bucket, Key=k, Body=b"x")
    r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "a"}, {"Key": "missing"}]})
    assert sorted(d["Key"] for d in r["Deleted"]) == ["a", "missing"]
    r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "b"}], "Quiet": True})
    assert "Deleted" not in r
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["c"]
    with pytest.raises(ClientError) as e:
        s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": str(i)} for i in range(1001)]})
    assert error_of(e) == ("MalformedXML", 400)


def test_malformed_xml(s3, bucket):
    def garble(request, **kw):
        request.data = b"<Tagging><TagSet><Tag>"
        request.headers["Content-MD5"] = base64.b64encode(hashlib.md5(request.data).digest()).decode()
        request.headers["Content-Length"] = str(len(request.data))
    s3.put_object(Bucket=bucket, Key="x", Body=b"1")
    s3.meta.events.register_first("before-sign.s3.PutObjectTagging", garble)
    with pytest.raises(ClientError) as e:
        s3.put_object_tagging(Bucket=bucket, Key="x", Tagging={"TagSet": []})
    assert error_of(e) == ("MalformedXML", 400)


def test_cli_cp_sync_ls_rm_presign(server, tmp_path):
    run_cli(server, "s3", "mb", "s3://clibucket")
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "one.txt").write_text("one")
    (src / "sub" / "two.txt").write_text("two")
    big = os.urandom(20 * 1024 * 1024)  # > multipart threshold: the CLI uploads in parts
    (src / "big.bin").write_bytes(big)
    run_cli(server, "s3", "sync", str(src), "s3://clibucket/data")
    listing = run_cli(server, "s3", "ls", "--recursive", "s3://clibucket").stdout
    for k in ["data/one.txt", "data/sub/two.txt", "data/big.bin"]:
        assert k in listing
    top = run_cli(server, "s3", "ls", "s3://clibucket/data/").stdout
    assert "PRE sub/" in top
    out = tmp_path / "out"
    run_cli(server, "s3", "cp", "--recursive", "s3://clibucket/data", str(out))
    assert (out / "big.bin").read_bytes() == big
    assert (out / "sub" / "two.txt").read_text() == "two"
    head = cli_json(server, "s3api", "head-object", "--bucket", "clibucket", "--key", "data/big.bin")
    assert head["ETag"].endswith('-3"')  # 8 MiB parts
    url = run_cli(server, "s3", "presign", "s3://clibucket/data/one.txt").stdout.strip()
    import urllib.request
    with urllib.request.urlopen(url) as r:
        assert r.read() == b"one"
    run_cli(server, "s3", "rm", "--recursive", "s3://clibucket/data/sub")
    assert "two.txt" not in run_cli(server, "s3", "ls", "--recursive", "s3://clibucket").stdout
    # second sync uploads only what is missing
    out2 = run_cli(server, "s3", "sync", str(src), "s3://clibucket/data").stdout
    assert "two.txt" in out2 and "one.txt" not in out2


def test_cli_s3api_object_roundtrip(server, tmp_path):
    run_cli(server, "s3api", "create-bucket", "--bucket", "apib")
    f = tmp_path / "f.txt"
    f.write_text("api")
    put = cli_json(server, "s3api", "put-object", "--bucket", "apib", "--key", "k", "--body", str(f),
                   "--metadata", "color=blue", "--content-type", "text/plain", "--tagging", "x=y")
    assert put["ETag"] == '"%s"' % hashlib.md5(b"api").hexdigest()
    head = cli_json(server, "s3api", "head-object", "--bucket", "apib", "--key", "k")
    assert head["Metadata"] == {"color": "blue"} and head["ContentType"] == "text/plain"
    out = tmp_path / "o.txt"
    cli_json(server, "s3api", "get-object", "--bucket", "apib", "--key", "k", "--range", "bytes=1-2", str(out))
    assert out.read_text() == "pi"
    cli_json(server, "s3api", "copy-object", "--bucket", "apib", "--key", "k2", "--copy-source", "apib/k")
    tags = cli_json(server, "s3api", "get-object-tagging", "--bucket", "apib", "--key", "k2")
    assert tags["TagSet"] == [{"Key": "x", "Value": "y"}]
    cli_json(server, "s3api", "delete-objects", "--bucket", "apib", "--delete", json.dumps({"Objects": [{"Key": "k"}, {"Key": "k2"}]}))
    p = run_cli(server, "s3api", "get-object", "--bucket", "apib", "--key", "k", str(out), check=False)
    assert p.returncode != 0 and "NoSuchKey" in p.stderr


@pytest.mark.parametrize("size", [0, 1, 128 * 1024 - 1, 128 * 1024, 128 * 1024 + 1, 3 * 1024 * 1024])
def test_sizes_around_the_inline_limit(s3, bucket, size):
    """Small bodies live in the database row, larger ones in blob files: both read back
    identically, whole and by range, and copy into each other."""
    body = os.urandom(size)
    s3.put_object(Bucket=bucket, Key="s", Body=body)
    assert s3.get_object(Bucket=bucket, Key="s")["Body"].read() == body
    if size > 10:
        assert s3.get_object(Bucket=bucket, Key="s", Range="bytes=3-9")["Body"].read() == body[3:10]
        assert s3.get_object(Bucket=bucket, Key="s", Range="bytes=-5")["Body"].read() == body[-5:]
    s3.copy_object(Bucket=bucket, Key="c", CopySource=f"{bucket}/s")
    assert s3.get_object(Bucket=bucket, Key="c")["Body"].read() == body
    assert s3.head_object(Bucket=bucket, Key="c")["ContentLength"] == size


def test_entity_too_large_is_refused_before_the_body(server, s3, bucket):
    import socket
    sock = socket.create_connection(("127.0.0.1", server.port))
    sock.sendall(b"PUT /objects/huge HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n"
                 % (5 * 1024 ** 3 + 1))
    sock.settimeout(5)
    reply = sock.recv(65536)
    sock.close()
    assert reply.startswith(b"HTTP/1.1 400") and b"<Code>EntityTooLarge</Code>" in reply
    assert b"<MaxSizeAllowed>5368709120</MaxSizeAllowed>" in reply
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="huge")


def test_oversized_xml_body_is_max_message_length_exceeded(server, bucket):
    import socket
    sock = socket.create_connection(("127.0.0.1", server.port))
    sock.sendall(b"POST /objects?delete HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n<Delete>" % (21 * 1024 ** 2))
    sock.settimeout(5)
    reply = sock.recv(65536)
    sock.close()
    assert reply.startswith(b"HTTP/1.1 400") and b"<Code>MaxMessageLengthExceeded</Code>" in reply


def test_cli_server_side_copy_move_and_force_remove(server, s3, tmp_path):
    """`aws s3 cp s3://… s3://…` of a large object copies it in ranged UploadPartCopy parts;
    mv deletes the source; rb --force empties the bucket first."""
    run_cli(server, "s3", "mb", "s3://cli-src")
    run_cli(server, "s3", "mb", "s3://cli-dst")
    big = os.urandom(20 * 1024 * 1024)
    (tmp_path / "big").write_bytes(big)
    run_cli(server, "s3", "cp", str(tmp_path / "big"), "s3://cli-src/big")
    run_cli(server, "s3", "cp", "s3://cli-src/big", "s3://cli-dst/copied")
    assert s3.get_object(Bucket="cli-dst", Key="copied")["Body"].read() == big
    assert s3.head_object(Bucket="cli-dst", Key="copied")["ETag"].endswith('-3"')
    run_cli(server, "s3", "mv", "s3://cli-dst/copied", "s3://cli-dst/moved")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="cli-dst")["Contents"]]
    assert keys == ["moved"]
    run_cli(server, "s3", "rb", "--force", "s3://cli-dst")
    assert "cli-dst" not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_cli_ls_paginates_past_1000_keys(server, s3):
    s3.create_bucket(Bucket="many")
    for i in range(2100):
        s3.put_object(Bucket="many", Key=f"k/{i:05d}", Body=b"")
    out = run_cli(server, "s3", "ls", "--recursive", "s3://many").stdout.splitlines()
    assert len(out) == 2100 and out[-1].endswith("k/02099")
    r = cli_json(server, "s3api", "list-objects-v2", "--bucket", "many", "--prefix", "k/")
    assert len(r["Contents"]) == 2100


def test_put_without_content_length_is_refused(s3, server):
    import socket
    s3.create_bucket(Bucket="no-length")

    def send(head):
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(head.encode())
            data = b""
            while b"\r\n\r\n" not in data or not data.rstrip().endswith(b">"):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
            return data

    data = send("PUT /no-length/k HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    assert data.startswith(b"HTTP/1.1 411") and b"<Code>MissingContentLength</Code>" in data
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket="no-length", Key="k")
    assert error_of(e) == ("404", 404)
    # An empty body said to be empty is an object.
    data = send("PUT /no-length/k HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n"
                "Connection: close\r\n\r\n")
    assert data.startswith(b"HTTP/1.1 200")
    assert s3.head_object(Bucket="no-length", Key="k")["ContentLength"] == 0


def test_non_ascii_header_values_as_s3_returns_them(s3, server):
    import http.client
    s3.create_bucket(Bucket="non-ascii")

    def put(key, headers):
        c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        c.putrequest("PUT", f"/non-ascii/{key}")
        c.putheader("Content-Length", "1")
        for k, v in headers.items():
            c.putheader(k, v)  # bytes go out as they are
        c.endheaders(b"x")
        r = c.getresponse()
        return r.status, r.read()

    # ISO-8859-1 bytes (what a Latin-1 client sends) and UTF-8 bytes each come back as an
    # RFC 2047 "Q" encoded word of their UTF-8; plain ASCII comes back as sent.
    status, body = put("a", {"x-amz-meta-latin": b"caf\xe9", "x-amz-meta-utf8": "café".encode(),
                             "x-amz-meta-plain": b"as is",
                             "Content-Disposition": b"attachment; filename=\"r\xe9sum\xe9.pdf\""})
    assert status == 200, body
    meta = s3.head_object(Bucket="non-ascii", Key="a")
    assert meta["Metadata"]["latin"] == "=?UTF-8?Q?caf=C3=A9?="
    assert meta["Metadata"]["utf8"] == "=?UTF-8?Q?caf=C3=A9?="
    assert meta["Metadata"]["plain"] == "as is"
    assert meta["ContentDisposition"] == (
        "=?UTF-8?Q?attachment;=20filename=3D\"r=C3=A9sum=C3=A9.pdf\"?=")
    import email.header
    word, charset = email.header.decode_header(meta["ContentDisposition"])[0]
    assert word.decode(charset) == 'attachment; filename="résumé.pdf"'
    # A tag that is not UTF-8 once decoded is refused, not stored.
    status, body = put("b", {"x-amz-tagging": b"k=%FF"})
    assert status == 400 and b"<Code>InvalidArgument</Code>" in body
