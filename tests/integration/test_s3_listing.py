"""ListObjects (v1) and ListObjectsV2: order, prefixes, delimiters, pagination, url encoding."""
import pytest
from botocore.exceptions import ClientError

from conftest import cli_json

KEYS = ["a", "a/1", "a/2", "a/b/3", "b", "b/4", "c.txt", "d/e/f", "z", "~tilde", "é", "\u4e2d"]


@pytest.fixture
def filled(s3):
    s3.create_bucket(Bucket="list")
    for k in KEYS:
        s3.put_object(Bucket="list", Key=k, Body=b"x")
    return "list"


def utf8_sorted(keys):
    return sorted(keys, key=lambda k: k.encode())


def test_v2_utf8_binary_order(s3, filled):
    r = s3.list_objects_v2(Bucket=filled)
    assert [o["Key"] for o in r["Contents"]] == utf8_sorted(KEYS)
    assert r["KeyCount"] == len(KEYS) and not r["IsTruncated"]
    assert r["Contents"][0]["Size"] == 1 and r["Contents"][0]["StorageClass"] == "STANDARD"


def test_v2_delimiter_and_prefix(s3, filled):
    r = s3.list_objects_v2(Bucket=filled, Delimiter="/")
    assert [o["Key"] for o in r["Contents"]] == ["a", "b", "c.txt", "z", "~tilde", "é", "\u4e2d"]
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["a/", "b/", "d/"]
    r = s3.list_objects_v2(Bucket=filled, Prefix="a/", Delimiter="/")
    assert [o["Key"] for o in r["Contents"]] == ["a/1", "a/2"]
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["a/b/"]
    r = s3.list_objects_v2(Bucket=filled, Prefix="nothing")
    assert r["KeyCount"] == 0 and "Contents" not in r


def test_v2_pagination_with_delimiter_counts_prefixes(s3, filled):
    seen, prefixes, token, pages = [], [], None, 0
    while True:
        kw = {"Bucket": filled, "Delimiter": "/", "MaxKeys": 2}
        if token:
            kw["ContinuationToken"] = token
        r = s3.list_objects_v2(**kw)
        pages += 1
        assert r["KeyCount"] <= 2
        seen += [o["Key"] for o in r.get("Contents", [])]
        prefixes += [p["Prefix"] for p in r.get("CommonPrefixes", [])]
        if not r["IsTruncated"]:
            break
        token = r["NextContinuationToken"]
    assert prefixes == ["a/", "b/", "d/"]
    assert seen == ["a", "b", "c.txt", "z", "~tilde", "é", "\u4e2d"]
    assert pages == 5


def test_v2_paginator_and_start_after(s3, filled):
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=filled, PaginationConfig={"PageSize": 3})
    assert [o["Key"] for p in pages for o in p.get("Contents", [])] == utf8_sorted(KEYS)
    r = s3.list_objects_v2(Bucket=filled, StartAfter="b/4")
    assert [o["Key"] for o in r["Contents"]] == ["c.txt", "d/e/f", "z", "~tilde", "é", "\u4e2d"]


def test_v1_marker_and_next_marker(s3, filled):
    r = s3.list_objects(Bucket=filled, MaxKeys=3)
    assert [o["Key"] for o in r["Contents"]] == ["a", "a/1", "a/2"] and r["IsTruncated"]
    r = s3.list_objects(Bucket=filled, Marker="a/2", MaxKeys=3)
    assert [o["Key"] for o in r["Contents"]] == ["a/b/3", "b", "b/4"]
    r = s3.list_objects(Bucket=filled, Delimiter="/", MaxKeys=2)
    assert r["NextMarker"] == "a/" and [p["Prefix"] for p in r["CommonPrefixes"]] == ["a/"]
    pages = s3.get_paginator("list_objects").paginate(Bucket=filled, Delimiter="/", PaginationConfig={"PageSize": 2})
    prefixes = [p["Prefix"] for page in pages for p in page.get("CommonPrefixes", [])]
    assert prefixes == ["a/", "b/", "d/"]


def test_encoding_type_url(s3):
    s3.create_bucket(Bucket="enc")
    key = "dir with space/plus+and\u00e9"
    s3.put_object(Bucket="enc", Key=key, Body=b"x")
    # boto3 asks for encoding-type=url and decodes the answer itself.
    r = s3.list_objects_v2(Bucket="enc")
    assert [o["Key"] for o in r["Contents"]] == [key]
    r = s3.list_objects_v2(Bucket="enc", Delimiter="/")
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["dir with space/"]


def test_max_keys_errors_and_zero(s3, filled):
    r = s3.list_objects_v2(Bucket=filled, MaxKeys=0)
    assert r["KeyCount"] == 0 and not r["IsTruncated"]
    with pytest.raises(ClientError) as e:
        s3.list_objects_v2(Bucket=filled, MaxKeys=-1)
    assert e.value.response["Error"]["Code"] == "InvalidArgument"


def test_list_missing_bucket(s3):
    with pytest.raises(ClientError) as e:
        s3.list_objects_v2(Bucket="missing-bucket")
    assert e.value.response["Error"]["Code"] == "NoSuchBucket"


def test_cli_list_objects(server, s3, filled):
    r = cli_json(server, "s3api", "list-objects-v2", "--bucket", filled, "--delimiter", "/", "--prefix", "a/")
    assert [o["Key"] for o in r["Contents"]] == ["a/1", "a/2"]
    r = cli_json(server, "s3api", "list-objects", "--bucket", filled, "--max-items", "4")
    assert [o["Key"] for o in r["Contents"]] == utf8_sorted(KEYS)[:4]


def test_list_object_versions_on_unversioned_bucket(s3, server, filled):
    r = s3.list_object_versions(Bucket=filled, Prefix="a/")
    assert [(v["Key"], v["VersionId"], v["IsLatest"]) for v in r["Versions"]] == [
        ("a/1", "null", True), ("a/2", "null", True), ("a/b/3", "null", True)]
    pages = s3.get_paginator("list_object_versions").paginate(Bucket=filled, PaginationConfig={"PageSize": 5})
    assert [v["Key"] for p in pages for v in p.get("Versions", [])] == utf8_sorted(KEYS)
    r = cli_json(server, "s3api", "list-object-versions", "--bucket", filled, "--delimiter", "/")
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["a/", "b/", "d/"]
    # Version "null" is the object; any other version id is invalid on an unversioned bucket.
    assert s3.get_object(Bucket=filled, Key="z", VersionId="null")["Body"].read() == b"x"
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=filled, Key="z", VersionId="3HL4kqtJlcpXroDTDmJ")
    assert e.value.response["Error"]["Code"] == "InvalidArgument"
    s3.delete_object(Bucket=filled, Key="z", VersionId="null")
    assert "z" not in [o["Key"] for o in s3.list_objects_v2(Bucket=filled)["Contents"]]


def test_boto3_resource_versions_cleanup(server, s3, filled):
    import boto3
    res = boto3.resource("s3", endpoint_url=server.url, region_name="us-east-1",
                         aws_access_key_id="test", aws_secret_access_key="test")
    res.Bucket(filled).object_versions.delete()
    res.Bucket(filled).delete()
    assert s3.list_buckets()["Buckets"] == []


def test_empty_continuation_token_lists_from_the_start(s3):
    s3.create_bucket(Bucket="empty-token")
    for k in ("a", "b", "c"):
        s3.put_object(Bucket="empty-token", Key=k, Body=b"")
    r = s3.list_objects_v2(Bucket="empty-token", ContinuationToken="", MaxKeys=2)
    assert [o["Key"] for o in r["Contents"]] == ["a", "b"]
    assert r["ContinuationToken"] == "" and r["IsTruncated"] is True
    # A token that is not one of fogbank's is still refused.
    with pytest.raises(ClientError) as e:
        s3.list_objects_v2(Bucket="empty-token", ContinuationToken="!!not-a-token")
    assert e.value.response["Error"]["Code"] == "InvalidArgument"
