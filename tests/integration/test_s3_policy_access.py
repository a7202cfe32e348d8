"""Bucket policies enforced, on a server with strict authentication and two accounts: anonymous
callers (unsigned requests and plain HTTP) and another account's signed requests get exactly
what the policy grants, RestrictPublicBuckets takes public grants away, and an explicit Deny
holds for the owner too."""
import http.client
import json

import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError
import boto3

from conftest import ACCESS_KEY, SECRET_KEY, Server, error_of, make_client, strict_config

OTHER_KEY, OTHER_SECRET = "AKIDFOGBANKOTHER", "other-secret"


@pytest.fixture(scope="module")
def strict():
    s = Server(config=strict_config((OTHER_KEY, OTHER_SECRET, "444455556666")))
    yield s
    s.cleanup()


@pytest.fixture
def owner(strict):
    strict.reset()
    c = make_client(strict, access_key=ACCESS_KEY, secret=SECRET_KEY)
    c.create_bucket(Bucket="shared")
    c.put_object(Bucket="shared", Key="pub/photo.jpg", Body=b"public bytes")
    c.put_object(Bucket="shared", Key="private/secret.txt", Body=b"private bytes")
    c.delete_public_access_block(Bucket="shared")
    return c


@pytest.fixture
def other(strict):
    return make_client(strict, access_key=OTHER_KEY, secret=OTHER_SECRET)


@pytest.fixture
def anonymous(strict):
    return boto3.client("s3", endpoint_url=strict.url, region_name="us-east-1",
                        config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}))


def plain_get(server, path):
    c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    c.request("GET", path)
    r = c.getresponse()
    return r.status, r.read()


def denied(call, *args, **kw):
    with pytest.raises(ClientError) as e:
        call(*args, **kw)
    return error_of(e)


def put_policy(owner, *statements):
    owner.put_bucket_policy(Bucket="shared", Policy=json.dumps(
        {"Version": "2012-10-17", "Statement": list(statements)}))


PUBLIC_READ = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
               "Resource": "arn:aws:s3:::shared/pub/*"}


def test_without_a_policy_only_the_owner_gets_in(strict, owner, other, anonymous):
    assert denied(anonymous.get_object, Bucket="shared", Key="pub/photo.jpg") == ("AccessDenied", 403)
    assert denied(other.get_object, Bucket="shared", Key="pub/photo.jpg") == ("AccessDenied", 403)
    assert plain_get(strict, "/shared/pub/photo.jpg")[0] == 403
    # Anonymous callers own nothing: no bucket list, no new buckets.
    assert denied(anonymous.list_buckets) == ("AccessDenied", 403)
    assert denied(anonymous.create_bucket, Bucket="anon-bucket") == ("AccessDenied", 403)


def test_public_read_policy(strict, owner, other, anonymous):
    put_policy(owner, PUBLIC_READ)
    assert anonymous.get_object(Bucket="shared", Key="pub/photo.jpg")["Body"].read() == b"public bytes"
    assert anonymous.head_object(Bucket="shared", Key="pub/photo.jpg")["ContentLength"] == 12
    status, body = plain_get(strict, "/shared/pub/photo.jpg")
    assert (status, body) == (200, b"public bytes")
    assert other.get_object(Bucket="shared", Key="pub/photo.jpg")["Body"].read() == b"public bytes"
    # Only what the statement names: not other keys, not writes, not listing.
    assert denied(anonymous.get_object, Bucket="shared", Key="private/secret.txt") == ("AccessDenied", 403)
    assert denied(anonymous.put_object, Bucket="shared", Key="pub/new", Body=b"x") == ("AccessDenied", 403)
    assert denied(anonymous.list_objects_v2, Bucket="shared") == ("AccessDenied", 403)
    assert denied(anonymous.delete_object, Bucket="shared", Key="pub/photo.jpg") == ("AccessDenied", 403)
    assert denied(anonymous.get_bucket_policy, Bucket="shared") == ("AccessDenied", 403)


def test_restrict_public_buckets_takes_public_grants_away(owner, anonymous):
    put_policy(owner, PUBLIC_READ)
    owner.put_public_access_block(Bucket="shared", PublicAccessBlockConfiguration={
        "RestrictPublicBuckets": True})
    assert denied(anonymous.get_object, Bucket="shared", Key="pub/photo.jpg") == ("AccessDenied", 403)
    assert owner.get_object(Bucket="shared", Key="pub/photo.jpg")["Body"].read() == b"public bytes"


def test_another_account_by_principal(owner, other, anonymous):
    put_policy(owner, {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
                       "Action": ["s3:ListBucket", "s3:Get*", "s3:PutObject"],
                       "Resource": ["arn:aws:s3:::shared", "arn:aws:s3:::shared/*"]})
    keys = [o["Key"] for o in other.list_objects_v2(Bucket="shared")["Contents"]]
    assert keys == ["private/secret.txt", "pub/photo.jpg"]
    other.put_object(Bucket="shared", Key="from-other", Body=b"hi")
    assert other.get_object(Bucket="shared", Key="from-other")["Body"].read() == b"hi"
    assert denied(other.delete_object, Bucket="shared", Key="from-other") == ("AccessDenied", 403)
    # The grant names an account, not everyone.
    assert denied(anonymous.get_object, Bucket="shared", Key="from-other") == ("AccessDenied", 403)


def test_explicit_deny_holds_for_the_owner(owner):
    put_policy(owner, {"Effect": "Deny", "Principal": "*", "Action": "s3:DeleteObject",
                       "Resource": "arn:aws:s3:::shared/pub/*"})
    assert denied(owner.delete_object, Bucket="shared", Key="pub/photo.jpg") == ("AccessDenied", 403)
    owner.delete_object(Bucket="shared", Key="private/secret.txt")
    # The owner can still read and remove the policy itself.
    assert "Deny" in owner.get_bucket_policy(Bucket="shared")["Policy"]
    owner.delete_bucket_policy(Bucket="shared")
    owner.delete_object(Bucket="shared", Key="pub/photo.jpg")


def test_a_conditional_grant_is_not_applied(owner, anonymous):
    put_policy(owner, dict(PUBLIC_READ, Condition={"IpAddress": {"aws:SourceIp": "127.0.0.1/32"}}))
    assert denied(anonymous.get_object, Bucket="shared", Key="pub/photo.jpg") == ("AccessDenied", 403)
    assert owner.get_bucket_policy_status(Bucket="shared")["PolicyStatus"]["IsPublic"] is False
