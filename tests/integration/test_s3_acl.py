"""S3 ACLs under ownership controls, on a server with strict authentication and two accounts:
BucketOwnerEnforced refuses them as AWS does; ObjectWriter and BucketOwnerPreferred store and
return canned ACLs, x-amz-grant-* headers and AccessControlPolicy bodies; grants let the other
account, anonymous callers (AllUsers) and signed ones (AuthenticatedUsers) in, and the public
access block blocks or ignores public grants. Every validation has its negative test."""
import signal

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import ACCESS_KEY, SECRET_KEY, Server, error_of, make_client, run_cli, strict_config

OTHER_KEY, OTHER_SECRET, OTHER_ACCOUNT = "AKIDFOGBANKACLOTHER", "acl-other-secret", "444455556666"
OWNER_ACCOUNT = "111122223333"
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTH_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"


@pytest.fixture(scope="module")
def strict():
    s = Server(config=strict_config((OTHER_KEY, OTHER_SECRET, OTHER_ACCOUNT)))
    yield s
    s.cleanup()


@pytest.fixture
def owner(strict):
    strict.reset()
    return make_client(strict, access_key=ACCESS_KEY, secret=SECRET_KEY)


@pytest.fixture
def other(strict):
    return make_client(strict, access_key=OTHER_KEY, secret=OTHER_SECRET)


@pytest.fixture
def anonymous(strict):
    return boto3.client("s3", endpoint_url=strict.url, region_name="us-east-1",
                        config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}))


@pytest.fixture
def acl_bucket(owner):
    owner.create_bucket(Bucket="acls", ObjectOwnership="ObjectWriter")
    return "acls"


def expect(code, status, call, *args, **kw):
    with pytest.raises(ClientError) as e:
        call(*args, **kw)
    assert error_of(e) == (code, status), e.value.response["Error"]
    return e.value.response["Error"]


def grants(acl):
    """{(grantee id or group uri, permission)} of a Get*Acl answer."""
    return {(g["Grantee"].get("ID") or g["Grantee"].get("URI"), g["Permission"]) for g in acl["Grants"]}


# --- BucketOwnerEnforced: ACLs disabled, as on every new AWS bucket ---

def test_enforced_buckets_refuse_acls(owner):
    owner.create_bucket(Bucket="enforced")
    owner.put_object(Bucket="enforced", Key="k", Body=b"1")
    expect("AccessControlListNotSupported", 400, owner.put_bucket_acl, Bucket="enforced", ACL="public-read")
    expect("AccessControlListNotSupported", 400, owner.put_object, Bucket="enforced", Key="k2",
           Body=b"2", ACL="public-read")
    expect("AccessControlListNotSupported", 400, owner.put_object_acl, Bucket="enforced", Key="k",
           GrantRead=f'id="{OTHER_ACCOUNT}"')
    # What says "the owner has full control" is still accepted.
    owner.put_object(Bucket="enforced", Key="k3", Body=b"3", ACL="bucket-owner-full-control")
    owner.put_bucket_acl(Bucket="enforced", ACL="private")
    assert grants(owner.get_bucket_acl(Bucket="enforced")) == {(OWNER_ACCOUNT, "FULL_CONTROL")}
    expect("InvalidBucketAclWithObjectOwnership", 400, owner.create_bucket, Bucket="enforced2",
           GrantRead=f'id="{OTHER_ACCOUNT}"')


# --- stored and returned ---

def test_canned_acls_stored_and_returned(owner, acl_bucket):
    owner.delete_public_access_block(Bucket=acl_bucket)
    owner.put_bucket_acl(Bucket=acl_bucket, ACL="public-read")
    assert grants(owner.get_bucket_acl(Bucket=acl_bucket)) == {
        (OWNER_ACCOUNT, "FULL_CONTROL"), (ALL_USERS, "READ")}
    owner.put_object(Bucket=acl_bucket, Key="k", Body=b"1", ACL="authenticated-read")
    acl = owner.get_object_acl(Bucket=acl_bucket, Key="k")
    assert acl["Owner"]["ID"] == OWNER_ACCOUNT
    assert grants(acl) == {(OWNER_ACCOUNT, "FULL_CONTROL"), (AUTH_USERS, "READ")}
    owner.put_object_acl(Bucket=acl_bucket, Key="k", ACL="private")
    assert grants(owner.get_object_acl(Bucket=acl_bucket, Key="k")) == {(OWNER_ACCOUNT, "FULL_CONTROL")}
    expect("InvalidArgument", 400, owner.put_object_acl, Bucket=acl_bucket, Key="k", ACL="everyone")


def test_grant_headers_and_policy_bodies(owner, acl_bucket):
    owner.put_object(Bucket=acl_bucket, Key="k", Body=b"1",
                     GrantRead=f'id="{OTHER_ACCOUNT}"', GrantFullControl=f'id="{OWNER_ACCOUNT}"')
    assert grants(owner.get_object_acl(Bucket=acl_bucket, Key="k")) == {
        (OTHER_ACCOUNT, "READ"), (OWNER_ACCOUNT, "FULL_CONTROL")}
    owner.put_bucket_acl(Bucket=acl_bucket, AccessControlPolicy={
        "Owner": {"ID": OWNER_ACCOUNT},
        "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": OWNER_ACCOUNT}, "Permission": "FULL_CONTROL"},
                   {"Grantee": {"Type": "CanonicalUser", "ID": OTHER_ACCOUNT}, "Permission": "WRITE"}]})
    assert grants(owner.get_bucket_acl(Bucket=acl_bucket)) == {
        (OWNER_ACCOUNT, "FULL_CONTROL"), (OTHER_ACCOUNT, "WRITE")}


@pytest.mark.parametrize("kw,code,status", [
    ({"GrantRead": 'emailAddress="someone@example.com"'}, "UnresolvableGrantByEmailAddress", 400),
    ({"GrantRead": 'uri="http://acs.amazonaws.com/groups/global/Nobody"'}, "InvalidArgument", 400),
    ({"GrantRead": "id=unquoted"}, "InvalidArgument", 400),
    ({"GrantWrite": 'colour="blue"'}, "InvalidArgument", 400),
    ({"ACL": "private", "GrantRead": f'id="{OTHER_ACCOUNT}"'}, "InvalidRequest", 400),
    ({"ACL": "open-to-all"}, "InvalidArgument", 400),
    ({"AccessControlPolicy": {"Owner": {"ID": OWNER_ACCOUNT}, "Grants": [
        {"Grantee": {"Type": "AmazonCustomerByEmail", "EmailAddress": "a@example.com"},
         "Permission": "READ"}]}}, "UnresolvableGrantByEmailAddress", 400),
    ({"AccessControlPolicy": {"Owner": {"ID": OWNER_ACCOUNT}, "Grants": [
        {"Grantee": {"Type": "CanonicalUser", "ID": OTHER_ACCOUNT}, "Permission": "EVERYTHING"}]}},
     "MalformedACLError", 400),
    ({"AccessControlPolicy": {"Owner": {"ID": OTHER_ACCOUNT}, "Grants": []}}, "AccessDenied", 403),
    ({"ACL": "private", "AccessControlPolicy": {"Owner": {"ID": OWNER_ACCOUNT}, "Grants": []}},
     "UnexpectedContent", 400),
])
def test_acl_validation(owner, acl_bucket, kw, code, status):
    expect(code, status, owner.put_bucket_acl, Bucket=acl_bucket, **kw)
    assert grants(owner.get_bucket_acl(Bucket=acl_bucket)) == {(OWNER_ACCOUNT, "FULL_CONTROL")}


def test_malformed_acl_body(strict, owner, acl_bucket):
    from conftest import raw
    # A document that is not an AccessControlPolicy, sent signed through boto3's hook.
    def send(**kw):
        kw["params"]["body"] = b"<NotAnAcl/>"
    owner.meta.events.register("before-call.s3.PutBucketAcl", send)
    try:
        expect("MalformedACLError", 400, owner.put_bucket_acl, Bucket=acl_bucket,
               AccessControlPolicy={"Owner": {"ID": OWNER_ACCOUNT}, "Grants": []})
    finally:
        owner.meta.events.unregister("before-call.s3.PutBucketAcl", send)


# --- enforced between accounts ---

def test_grants_let_the_other_account_in(owner, other, acl_bucket):
    owner.put_object(Bucket=acl_bucket, Key="shared", Body=b"for you", GrantRead=f'id="{OTHER_ACCOUNT}"')
    owner.put_object(Bucket=acl_bucket, Key="mine", Body=b"not for you")
    assert other.get_object(Bucket=acl_bucket, Key="shared")["Body"].read() == b"for you"
    expect("AccessDenied", 403, other.get_object, Bucket=acl_bucket, Key="mine")
    expect("AccessDenied", 403, other.list_objects_v2, Bucket=acl_bucket)
    expect("AccessDenied", 403, other.put_object, Bucket=acl_bucket, Key="theirs", Body=b"x")
    owner.put_bucket_acl(Bucket=acl_bucket, GrantRead=f'id="{OTHER_ACCOUNT}"',
                         GrantWrite=f'id="{OTHER_ACCOUNT}"', GrantFullControl=f'id="{OWNER_ACCOUNT}"')
    assert {o["Key"] for o in other.list_objects_v2(Bucket=acl_bucket)["Contents"]} == {"shared", "mine"}
    # Under ObjectWriter the writer owns what it writes.
    other.put_object(Bucket=acl_bucket, Key="theirs", Body=b"x")
    assert other.get_object_acl(Bucket=acl_bucket, Key="theirs")["Owner"]["ID"] == OTHER_ACCOUNT
    # Reading the bucket's ACL needs READ_ACP, which the other account was not given.
    expect("AccessDenied", 403, other.get_bucket_acl, Bucket=acl_bucket)
    expect("AccessDenied", 403, other.get_object_acl, Bucket=acl_bucket, Key="mine")


def test_bucket_owner_preferred_takes_ownership(owner, other):
    owner.create_bucket(Bucket="preferred", ObjectOwnership="BucketOwnerPreferred")
    owner.put_bucket_acl(Bucket="preferred", GrantWrite=f'id="{OTHER_ACCOUNT}"',
                         GrantFullControl=f'id="{OWNER_ACCOUNT}"')
    other.put_object(Bucket="preferred", Key="given", Body=b"1", ACL="bucket-owner-full-control")
    other.put_object(Bucket="preferred", Key="kept", Body=b"2")
    assert owner.get_object_acl(Bucket="preferred", Key="given")["Owner"]["ID"] == OWNER_ACCOUNT
    assert other.get_object_acl(Bucket="preferred", Key="kept")["Owner"]["ID"] == OTHER_ACCOUNT


def test_public_grants_and_the_public_access_block(owner, other, anonymous, acl_bucket):
    # The new bucket blocks public ACLs.
    expect("AccessDenied", 403, owner.put_object, Bucket=acl_bucket, Key="p", Body=b"1", ACL="public-read")
    expect("AccessDenied", 403, owner.put_bucket_acl, Bucket=acl_bucket, ACL="public-read")
    owner.put_public_access_block(Bucket=acl_bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True})
    owner.put_object(Bucket=acl_bucket, Key="p", Body=b"public", ACL="public-read")
    owner.put_object(Bucket=acl_bucket, Key="signed", Body=b"signed only", ACL="authenticated-read")
    assert anonymous.get_object(Bucket=acl_bucket, Key="p")["Body"].read() == b"public"
    assert other.get_object(Bucket=acl_bucket, Key="signed")["Body"].read() == b"signed only"
    expect("AccessDenied", 403, anonymous.get_object, Bucket=acl_bucket, Key="signed")
    # IgnorePublicAcls: the grants stay stored but no longer count.
    owner.put_public_access_block(Bucket=acl_bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": False, "IgnorePublicAcls": True})
    expect("AccessDenied", 403, anonymous.get_object, Bucket=acl_bucket, Key="p")
    expect("AccessDenied", 403, other.get_object, Bucket=acl_bucket, Key="signed")
    assert (ALL_USERS, "READ") in grants(owner.get_object_acl(Bucket=acl_bucket, Key="p"))


def test_copy_source_read_by_grant(owner, other, acl_bucket):
    owner.put_object(Bucket=acl_bucket, Key="src", Body=b"copy me", GrantRead=f'id="{OTHER_ACCOUNT}"')
    owner.put_object(Bucket=acl_bucket, Key="closed", Body=b"no")
    other.create_bucket(Bucket="theirs-dest")
    other.copy_object(Bucket="theirs-dest", Key="c", CopySource={"Bucket": acl_bucket, "Key": "src"})
    assert other.get_object(Bucket="theirs-dest", Key="c")["Body"].read() == b"copy me"
    expect("AccessDenied", 403, other.copy_object, Bucket="theirs-dest", Key="d",
           CopySource={"Bucket": acl_bucket, "Key": "closed"})


def test_acls_with_the_cli(strict, owner, acl_bucket):
    owner.put_object(Bucket=acl_bucket, Key="k", Body=b"1")
    env = {"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}
    run_cli(strict, "s3api", "put-object-acl", "--bucket", acl_bucket, "--key", "k",
            "--grant-read", f'id="{OTHER_ACCOUNT}"', "--grant-full-control", f'id="{OWNER_ACCOUNT}"', env=env)
    assert grants(owner.get_object_acl(Bucket=acl_bucket, Key="k")) == {
        (OTHER_ACCOUNT, "READ"), (OWNER_ACCOUNT, "FULL_CONTROL")}


def test_acls_survive_kill_9(tmp_path):
    srv = Server(data_dir=tmp_path, config=strict_config((OTHER_KEY, OTHER_SECRET, OTHER_ACCOUNT)))
    try:
        c = make_client(srv, access_key=ACCESS_KEY, secret=SECRET_KEY)
        c.create_bucket(Bucket="durable-acl", ObjectOwnership="ObjectWriter")
        c.put_bucket_acl(Bucket="durable-acl", GrantRead=f'id="{OTHER_ACCOUNT}"',
                         GrantFullControl=f'id="{OWNER_ACCOUNT}"')
        c.put_object(Bucket="durable-acl", Key="k", Body=b"1", GrantRead=f'id="{OTHER_ACCOUNT}"')
        srv.stop(signal.SIGKILL)
        srv.start()
        o = make_client(srv, access_key=OTHER_KEY, secret=OTHER_SECRET)
        assert o.get_object(Bucket="durable-acl", Key="k")["Body"].read() == b"1"
        assert [x["Key"] for x in o.list_objects_v2(Bucket="durable-acl")["Contents"]] == ["k"]
    finally:
        srv.cleanup()
