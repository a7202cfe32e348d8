"""IAM roles and policies over the query protocol, with boto3 and the AWS CLI: stored and
returned faithfully so that set-up scripts run unchanged."""
import json

import pytest
from botocore.exceptions import ClientError

from conftest import cli_json, error_of, make_client, raw, run_cli

TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                 "Action": "sts:AssumeRole"}]}
ACCESS = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}


@pytest.fixture
def iam(server):
    return make_client(server, "iam")


def test_role_lifecycle(iam):
    role = iam.create_role(RoleName="pipeline-role", AssumeRolePolicyDocument=json.dumps(TRUST),
                           Description="runs the pipeline", Tags=[{"Key": "team", "Value": "vision"}])["Role"]
    assert role["Arn"] == "arn:aws:iam::000000000000:role/pipeline-role"
    assert role["RoleId"].startswith("AROA") and len(role["RoleId"]) == 21
    assert role["AssumeRolePolicyDocument"] == TRUST  # URL-encoded on the wire, decoded by boto3
    got = iam.get_role(RoleName="pipeline-role")["Role"]
    assert got["Description"] == "runs the pipeline" and got["Tags"] == [{"Key": "team", "Value": "vision"}]
    iam.create_role(RoleName="svc", Path="/service/", AssumeRolePolicyDocument=json.dumps(TRUST))
    assert [r["RoleName"] for r in iam.list_roles()["Roles"]] == ["pipeline-role", "svc"]
    assert [r["RoleName"] for r in iam.list_roles(PathPrefix="/service/")["Roles"]] == ["svc"]
    page = iam.list_roles(MaxItems=1)
    assert page["IsTruncated"] and [r["RoleName"] for r in iam.list_roles(Marker=page["Marker"])["Roles"]] == ["svc"]
    iam.delete_role(RoleName="svc")
    with pytest.raises(ClientError) as e:
        iam.get_role(RoleName="svc")
    assert error_of(e) == ("NoSuchEntity", 404)


def test_inline_and_attached_policies(iam):
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.put_role_policy(RoleName="r", PolicyName="read", PolicyDocument=json.dumps(ACCESS))
    got = iam.get_role_policy(RoleName="r", PolicyName="read")
    assert got["PolicyDocument"] == ACCESS
    assert iam.list_role_policies(RoleName="r")["PolicyNames"] == ["read"]
    managed = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    iam.attach_role_policy(RoleName="r", PolicyArn=managed)
    own = iam.create_policy(PolicyName="mine", PolicyDocument=json.dumps(ACCESS))["Policy"]
    assert own["Arn"] == "arn:aws:iam::000000000000:policy/mine"
    iam.attach_role_policy(RoleName="r", PolicyArn=own["Arn"])
    attached = iam.list_attached_role_policies(RoleName="r")["AttachedPolicies"]
    assert {a["PolicyArn"] for a in attached} == {managed, own["Arn"]}
    assert iam.get_policy(PolicyArn=own["Arn"])["Policy"]["AttachmentCount"] == 1
    with pytest.raises(ClientError) as e:
        iam.delete_policy(PolicyArn=own["Arn"])
    assert error_of(e) == ("DeleteConflict", 409)
    with pytest.raises(ClientError) as e:
        iam.delete_role(RoleName="r")
    assert error_of(e) == ("DeleteConflict", 409)
    iam.detach_role_policy(RoleName="r", PolicyArn=managed)
    iam.detach_role_policy(RoleName="r", PolicyArn=own["Arn"])
    iam.delete_role_policy(RoleName="r", PolicyName="read")
    iam.delete_role(RoleName="r")
    iam.delete_policy(PolicyArn=own["Arn"])


def test_iam_errors(server, iam):
    raw = make_client(server, "iam", parameter_validation=False)
    iam.create_role(RoleName="dup", AssumeRolePolicyDocument=json.dumps(TRUST))
    cases = [
        (lambda: iam.create_role(RoleName="dup", AssumeRolePolicyDocument=json.dumps(TRUST)), ("EntityAlreadyExists", 409)),
        (lambda: iam.create_role(RoleName="bad", AssumeRolePolicyDocument="{not json"), ("MalformedPolicyDocument", 400)),
        (lambda: raw.create_role(RoleName="bad name!", AssumeRolePolicyDocument=json.dumps(TRUST)), ("ValidationError", 400)),
        (lambda: raw.create_role(RoleName="x", Path="nopath", AssumeRolePolicyDocument=json.dumps(TRUST)), ("ValidationError", 400)),
        (lambda: raw.create_role(RoleName="x"), ("ValidationError", 400)),
        (lambda: iam.put_role_policy(RoleName="ghost", PolicyName="p", PolicyDocument=json.dumps(ACCESS)), ("NoSuchEntity", 404)),
        (lambda: iam.get_role_policy(RoleName="dup", PolicyName="none"), ("NoSuchEntity", 404)),
        (lambda: iam.attach_role_policy(RoleName="dup", PolicyArn="arn:aws:iam::000000000000:policy/none"), ("NoSuchEntity", 404)),
        (lambda: raw.attach_role_policy(RoleName="dup", PolicyArn="not-an-arn"), ("InvalidInput", 400)),
        (lambda: iam.detach_role_policy(RoleName="dup", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess"), ("NoSuchEntity", 404)),
        (lambda: iam.get_policy(PolicyArn="arn:aws:iam::000000000000:policy/none"), ("NoSuchEntity", 404)),
    ]
    for call, expected in cases:
        with pytest.raises(ClientError) as e:
            call()
        assert error_of(e) == expected


def test_cli_role_setup_as_pipeline_scripts_write_it(server, tmp_path):
    trust = tmp_path / "trust.json"
    trust.write_text(json.dumps(TRUST))
    out = cli_json(server, "iam", "create-role", "--role-name", "lambda-role",
                   "--assume-role-policy-document", f"file://{trust}")
    assert out["Role"]["RoleName"] == "lambda-role"
    run_cli(server, "iam", "attach-role-policy", "--role-name", "lambda-role", "--policy-arn",
            "arn:aws:iam::aws:policy/AmazonRekognitionFullAccess")
    run_cli(server, "iam", "put-role-policy", "--role-name", "lambda-role", "--policy-name", "s3",
            "--policy-document", json.dumps(ACCESS))
    arn = cli_json(server, "iam", "get-role", "--role-name", "lambda-role", "--query", "Role.Arn")
    assert arn == "arn:aws:iam::000000000000:role/lambda-role"
    p = run_cli(server, "iam", "get-role", "--role-name", "missing", check=False)
    assert p.returncode != 0 and "NoSuchEntity" in p.stderr


def test_sts_caller_identity_and_assume_role(server):
    sts = make_client(server, "sts")
    assert sts.get_caller_identity()["Account"] == "000000000000"
    # A 12-digit access key acts for that account.
    other = make_client(server, "sts", access_key="123456789012")
    assert other.get_caller_identity()["Account"] == "123456789012"
    p = run_cli(server, "sts", "get-caller-identity", "--query", "Account", "--output", "text")
    assert p.stdout.strip() == "000000000000"
    creds = sts.assume_role(RoleArn="arn:aws:iam::210987654321:role/worker", RoleSessionName="s1")
    assert creds["AssumedRoleUser"]["Arn"] == "arn:aws:sts::210987654321:assumed-role/worker/s1"
    assumed = make_client(server, "sts", access_key=creds["Credentials"]["AccessKeyId"],
                          secret=creds["Credentials"]["SecretAccessKey"])
    assert assumed.get_caller_identity()["Account"] == "210987654321"
    raw = make_client(server, "sts", parameter_validation=False)
    with pytest.raises(ClientError) as e:
        raw.assume_role(RoleArn="arn:aws:iam::210987654321:role/worker", RoleSessionName="s1",
                        DurationSeconds=60)
    assert error_of(e) == ("ValidationError", 400)


def test_bytes_that_are_not_utf8_are_refused_not_stored(server, iam):
    # JSON documents hold the entities: a name or description that is not UTF-8 would poison
    # every later read, so the request is refused as a malformed query string.
    auth = ("AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/iam/aws4_request, "
            "SignedHeaders=host;x-amz-date, Signature=00")
    r, data = raw(server, "POST", "/", body=b"Action=CreateRole&RoleName=r1&AssumeRolePolicyDocument=%7B%7D"
                  b"&Description=%F6%F6%F6&Version=2010-05-08",
                  headers={"Authorization": auth, "X-Amz-Date": "20260101T000000Z",
                           "Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 400 and b"<Code>MalformedQueryString</Code>" in data
    assert [role["RoleName"] for role in iam.list_roles()["Roles"]] == []
