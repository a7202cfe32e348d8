"""GetObjectAttributes (boto3, the AWS CLI, raw XML): ETag, checksums, parts paged, storage
class and size, for one-part and multipart objects; and its refusals."""
import base64
import os
import zlib

import pytest
from botocore.exceptions import ClientError

from conftest import cli_json, error_of, raw

MiB = 1024 * 1024
ALL = ["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"]


@pytest.fixture
def bucket(s3):
    s3.create_bucket(Bucket="attrs")
    return "attrs"


def crc32_b64(data):
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def test_single_part_object(s3, server, bucket):
    body = b"attribute bytes"
    put = s3.put_object(Bucket=bucket, Key="one", Body=body, ChecksumAlgorithm="CRC32",
                        StorageClass="STANDARD_IA")
    got = s3.get_object_attributes(Bucket=bucket, Key="one", ObjectAttributes=ALL)
    assert got["ETag"] == put["ETag"].strip('"')
    assert got["Checksum"]["ChecksumCRC32"] == crc32_b64(body)
    assert got["StorageClass"] == "STANDARD_IA"
    assert got["ObjectSize"] == len(body)
    assert "ObjectParts" not in got  # not a multipart object
    assert got["LastModified"] == s3.head_object(Bucket=bucket, Key="one")["LastModified"]
    # ChecksumType is newer than Debian's botocore: read from the XML itself.
    r, data = raw(server, "GET", f"/{bucket}/one?attributes",
                  headers={"x-amz-object-attributes": "Checksum"})
    assert r.status == 200 and b"<ChecksumType>FULL_OBJECT</ChecksumType>" in data
    # Only what was asked for.
    only = s3.get_object_attributes(Bucket=bucket, Key="one", ObjectAttributes=["ObjectSize"])
    assert only["ObjectSize"] == len(body) and "ETag" not in only and "StorageClass" not in only


def test_multipart_object_parts_paged(s3, bucket):
    parts = [os.urandom(5 * MiB), os.urandom(5 * MiB), b"tail"]
    up = s3.create_multipart_upload(Bucket=bucket, Key="multi")
    done = [{"PartNumber": n, "ETag": s3.upload_part(Bucket=bucket, Key="multi", PartNumber=n,
                                                     UploadId=up["UploadId"], Body=p)["ETag"]}
            for n, p in enumerate(parts, 1)]
    s3.complete_multipart_upload(Bucket=bucket, Key="multi", UploadId=up["UploadId"],
                                 MultipartUpload={"Parts": done})
    got = s3.get_object_attributes(Bucket=bucket, Key="multi", ObjectAttributes=ALL)
    assert got["ETag"].endswith("-3") and got["ObjectSize"] == 10 * MiB + 4
    op = got["ObjectParts"]
    assert op["TotalPartsCount"] == 3 and op["IsTruncated"] is False
    assert [(p["PartNumber"], p["Size"]) for p in op["Parts"]] == [(1, 5 * MiB), (2, 5 * MiB), (3, 4)]
    page = s3.get_object_attributes(Bucket=bucket, Key="multi", ObjectAttributes=["ObjectParts"],
                                    MaxParts=2)["ObjectParts"]
    assert [p["PartNumber"] for p in page["Parts"]] == [1, 2]
    assert page["IsTruncated"] is True and page["NextPartNumberMarker"] == 2
    rest = s3.get_object_attributes(Bucket=bucket, Key="multi", ObjectAttributes=["ObjectParts"],
                                    MaxParts=2, PartNumberMarker=2)["ObjectParts"]
    assert [p["PartNumber"] for p in rest["Parts"]] == [3] and rest["IsTruncated"] is False


def test_refusals(s3, server, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    with pytest.raises(ClientError) as e:
        s3.get_object_attributes(Bucket=bucket, Key="missing", ObjectAttributes=["ETag"])
    assert error_of(e) == ("NoSuchKey", 404)
    with pytest.raises(ClientError) as e:
        s3.get_object_attributes(Bucket="no-such-attrs", Key="k", ObjectAttributes=["ETag"])
    assert error_of(e) == ("NoSuchBucket", 404)
    with pytest.raises(ClientError) as e:
        s3.get_object_attributes(Bucket=bucket, Key="k", ObjectAttributes=["Colour"])
    assert error_of(e) == ("InvalidArgument", 400)
    with pytest.raises(ClientError) as e:
        s3.get_object_attributes(Bucket=bucket, Key="k", ObjectAttributes=["ETag"], MaxParts=-1)
    assert error_of(e) == ("InvalidArgument", 400)
    # Without the header saying which attributes to return.
    r, data = raw(server, "GET", f"/{bucket}/k?attributes")
    assert r.status == 400 and b"<Code>InvalidRequest</Code>" in data


def test_with_the_cli(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="cli", Body=b"12345")
    got = cli_json(server, "s3api", "get-object-attributes", "--bucket", bucket, "--key", "cli",
                   "--object-attributes", "ObjectSize", "StorageClass")
    assert got["ObjectSize"] == 5 and got["StorageClass"] == "STANDARD"
