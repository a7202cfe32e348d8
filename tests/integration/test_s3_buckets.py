"""S3 bucket operations through boto3 and the AWS CLI."""
import pytest
from botocore.exceptions import ClientError

from conftest import cli_json, error_of, make_client, run_cli


def test_create_head_list_delete(s3):
    s3.create_bucket(Bucket="alpha")
    s3.create_bucket(Bucket="beta")
    s3.head_bucket(Bucket="alpha")
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert names == ["alpha", "beta"]
    s3.delete_bucket(Bucket="alpha")
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["beta"]
    with pytest.raises(ClientError) as e:
        s3.head_bucket(Bucket="alpha")
    assert error_of(e) == ("404", 404)


def test_cli_mb_ls_rb(server):
    run_cli(server, "s3", "mb", "s3://cli-bucket")
    out = run_cli(server, "s3", "ls").stdout
    assert "cli-bucket" in out
    run_cli(server, "s3", "rb", "s3://cli-bucket")
    assert "cli-bucket" not in run_cli(server, "s3", "ls").stdout


@pytest.mark.parametrize("name", ["ab", "A-bucket", "bucket_", "-bucket", "bucket-", "a..b", "192.168.5.4",
                                  "xn--bucket", "bucket-s3alias", "x" * 64])
def test_invalid_bucket_name(s3, name):
    with pytest.raises((ClientError, Exception)) as e:
        s3.create_bucket(Bucket=name)
    # botocore validates some names client-side; the ones it lets through must get AWS's error.
    if isinstance(e.value, ClientError):
        assert error_of(e) == ("InvalidBucketName", 400)


def test_invalid_bucket_name_via_cli(server):
    p = run_cli(server, "s3api", "create-bucket", "--bucket", "a..b", check=False)
    assert p.returncode != 0 and "InvalidBucketName" in p.stderr


def test_bucket_already_owned_outside_us_east_1(server):
    eu = make_client(server, region="eu-west-1")
    eu.create_bucket(Bucket="eu-bucket", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    with pytest.raises(ClientError) as e:
        eu.create_bucket(Bucket="eu-bucket", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert error_of(e) == ("BucketAlreadyOwnedByYou", 409)
    assert eu.get_bucket_location(Bucket="eu-bucket")["LocationConstraint"] == "eu-west-1"
    assert eu.head_bucket(Bucket="eu-bucket")["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == "eu-west-1"


def test_us_east_1_recreate_is_legacy_ok(s3):
    s3.create_bucket(Bucket="legacy")
    s3.create_bucket(Bucket="legacy")  # 200 in us-east-1, as S3 does
    assert s3.get_bucket_location(Bucket="legacy")["LocationConstraint"] is None


def test_bucket_owned_by_other_account(server):
    a = make_client(server, access_key="111111111111")
    b = make_client(server, access_key="222222222222")
    a.create_bucket(Bucket="taken")
    with pytest.raises(ClientError) as e:
        b.create_bucket(Bucket="taken")
    assert error_of(e) == ("BucketAlreadyExists", 409)
    assert [x["Name"] for x in b.list_buckets()["Buckets"]] == []
    with pytest.raises(ClientError) as e:
        b.put_object(Bucket="taken", Key="k", Body=b"x")
    assert error_of(e) == ("AccessDenied", 403)


def test_location_constraint_errors(server):
    eu = make_client(server, region="eu-west-1")
    with pytest.raises(ClientError) as e:
        eu.create_bucket(Bucket="no-constraint")
    assert error_of(e) == ("IllegalLocationConstraintException", 400)
    us = make_client(server)
    with pytest.raises(ClientError) as e:
        us.create_bucket(Bucket="explicit-us", CreateBucketConfiguration={"LocationConstraint": "us-east-1"})
    assert error_of(e) == ("InvalidLocationConstraint", 400)


def test_delete_bucket_not_empty_and_missing(s3):
    s3.create_bucket(Bucket="full")
    s3.put_object(Bucket="full", Key="x", Body=b"1")
    with pytest.raises(ClientError) as e:
        s3.delete_bucket(Bucket="full")
    assert error_of(e) == ("BucketNotEmpty", 409)
    with pytest.raises(ClientError) as e:
        s3.delete_bucket(Bucket="nothing-here")
    assert error_of(e) == ("NoSuchBucket", 404)


def test_bucket_tagging(s3, server):
    s3.create_bucket(Bucket="tagged")
    with pytest.raises(ClientError) as e:
        s3.get_bucket_tagging(Bucket="tagged")
    assert error_of(e) == ("NoSuchTagSet", 404)
    s3.put_bucket_tagging(Bucket="tagged", Tagging={"TagSet": [{"Key": "team", "Value": "vision"}]})
    assert s3.get_bucket_tagging(Bucket="tagged")["TagSet"] == [{"Key": "team", "Value": "vision"}]
    got = cli_json(server, "s3api", "get-bucket-tagging", "--bucket", "tagged")
    assert got["TagSet"] == [{"Key": "team", "Value": "vision"}]
    with pytest.raises(ClientError) as e:
        s3.put_bucket_tagging(Bucket="tagged", Tagging={"TagSet": [{"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}]})
    assert error_of(e) == ("InvalidTag", 400)
    s3.delete_bucket_tagging(Bucket="tagged")
    with pytest.raises(ClientError):
        s3.get_bucket_tagging(Bucket="tagged")


def test_bucket_versioning_reports_unversioned(s3, server):
    s3.create_bucket(Bucket="vers")
    assert "Status" not in s3.get_bucket_versioning(Bucket="vers")
    got = cli_json(server, "s3api", "get-bucket-versioning", "--bucket", "vers")
    assert got is None or "Status" not in got
    # An unversioned bucket's objects carry no version id at all.
    assert "VersionId" not in s3.put_object(Bucket="vers", Key="k", Body=b"1")
    assert "VersionId" not in s3.head_object(Bucket="vers", Key="k")


def test_bucket_cors_config_and_preflight(s3, server):
    import http.client

    s3.create_bucket(Bucket="web")
    with pytest.raises(ClientError) as e:
        s3.get_bucket_cors(Bucket="web")
    assert error_of(e) == ("NoSuchCORSConfiguration", 404)
    rules = [{"AllowedOrigins": ["https://app.example"], "AllowedMethods": ["GET", "PUT"],
              "AllowedHeaders": ["content-type", "x-amz-*"], "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 600}]
    s3.put_bucket_cors(Bucket="web", CORSConfiguration={"CORSRules": rules})
    got = s3.get_bucket_cors(Bucket="web")["CORSRules"][0]
    assert got["AllowedOrigins"] == ["https://app.example"] and got["MaxAgeSeconds"] == 600

    def preflight(origin, method, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", server.port)
        h = {"Origin": origin, "Access-Control-Request-Method": method}
        if headers:
            h["Access-Control-Request-Headers"] = headers
        c.request("OPTIONS", "/web/photo.jpg", headers=h)
        r = c.getresponse()
        r.read()
        return r

    r = preflight("https://app.example", "PUT", "Content-Type, X-Amz-Date")
    assert r.status == 200
    assert r.getheader("Access-Control-Allow-Origin") == "https://app.example"
    assert "PUT" in r.getheader("Access-Control-Allow-Methods")
    assert r.getheader("Access-Control-Max-Age") == "600"
    assert preflight("https://evil.example", "PUT").status == 403
    assert preflight("https://app.example", "DELETE").status == 403
    assert preflight("https://app.example", "GET", "authorization").status == 403

    # Actual requests from an allowed origin get the headers too.
    s3.put_object(Bucket="web", Key="photo.jpg", Body=b"img")
    c = http.client.HTTPConnection("127.0.0.1", server.port)
    c.request("GET", "/web/photo.jpg", headers={"Origin": "https://app.example"})
    r = c.getresponse()
    assert r.read() == b"img"
    assert r.getheader("Access-Control-Allow-Origin") == "https://app.example"
    assert r.getheader("Access-Control-Expose-Headers") == "ETag"

    # So do errors: a browser script can read a 404 only with them.
    c = http.client.HTTPConnection("127.0.0.1", server.port)
    c.request("GET", "/web/missing.jpg", headers={"Origin": "https://app.example"})
    r = c.getresponse()
    assert r.status == 404 and b"<Code>NoSuchKey</Code>" in r.read()
    assert r.getheader("Access-Control-Allow-Origin") == "https://app.example"
    c.request("GET", "/web/missing.jpg", headers={"Origin": "https://evil.example"})
    r = c.getresponse()
    assert r.status == 404 and r.read() and r.getheader("Access-Control-Allow-Origin") is None

    with pytest.raises(ClientError) as e:
        s3.put_bucket_cors(Bucket="web", CORSConfiguration={"CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["PATCH"]}]})
    assert error_of(e) == ("InvalidRequest", 400)
    s3.delete_bucket_cors(Bucket="web")
    assert preflight("https://app.example", "PUT").status == 403


def test_cors_via_cli(server):
    run_cli(server, "s3", "mb", "s3://cors-cli")
    run_cli(server, "s3api", "put-bucket-cors", "--bucket", "cors-cli", "--cors-configuration",
            '{"CORSRules":[{"AllowedOrigins":["*"],"AllowedMethods":["GET"]}]}')
    got = cli_json(server, "s3api", "get-bucket-cors", "--bucket", "cors-cli")
    assert got["CORSRules"][0]["AllowedMethods"] == ["GET"]


def test_unserved_subresource_is_not_implemented(s3):
    s3.create_bucket(Bucket="sub")
    # Inventory configurations are not kept: asked for, they are NotImplemented rather than
    # taken for a plain ListObjects.
    with pytest.raises(ClientError) as e:
        s3.list_bucket_inventory_configurations(Bucket="sub")
    assert error_of(e) == ("NotImplemented", 501)


def test_acls_are_disabled_as_on_new_aws_buckets(s3, server, tmp_path):
    s3.create_bucket(Bucket="acl-bucket")
    acl = s3.get_bucket_acl(Bucket="acl-bucket")
    assert [g["Permission"] for g in acl["Grants"]] == ["FULL_CONTROL"]
    assert acl["Grants"][0]["Grantee"]["ID"] == acl["Owner"]["ID"] == "000000000000"
    s3.put_object(Bucket="acl-bucket", Key="k", Body=b"x", ACL="bucket-owner-full-control")
    assert s3.get_object_acl(Bucket="acl-bucket", Key="k")["Grants"][0]["Permission"] == "FULL_CONTROL"
    s3.put_bucket_acl(Bucket="acl-bucket", ACL="private")
    for call in [lambda: s3.put_object(Bucket="acl-bucket", Key="k2", Body=b"x", ACL="public-read"),
                 lambda: s3.put_object_acl(Bucket="acl-bucket", Key="k", ACL="public-read"),
                 lambda: s3.put_bucket_acl(Bucket="acl-bucket", GrantRead='uri="http://acs.amazonaws.com/groups/global/AllUsers"')]:
        with pytest.raises(ClientError) as e:
            call()
        assert error_of(e) == ("AccessControlListNotSupported", 400)
    with pytest.raises(ClientError) as e:
        s3.get_object_acl(Bucket="acl-bucket", Key="missing")
    assert error_of(e) == ("NoSuchKey", 404)
    f = tmp_path / "f"
    f.write_text("x")
    p = run_cli(server, "s3", "cp", str(f), "s3://acl-bucket/pub", "--acl", "public-read", check=False)
    assert p.returncode != 0 and "AccessControlListNotSupported" in p.stderr
    got = cli_json(server, "s3api", "get-bucket-acl", "--bucket", "acl-bucket")
    assert got["Grants"][0]["Permission"] == "FULL_CONTROL"
