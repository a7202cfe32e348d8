"""Lambda's control plane with boto3 and the AWS CLI: functions, code, configuration,
permissions, async settings, and the errors AWS gives for bad input."""
import base64
import hashlib
import json
import urllib.request

import pytest
from botocore.exceptions import ClientError

from conftest import (ROLE, Server, cli_json, create_function, error_of, invoke_json, make_client,
                      run_cli, zip_bytes)

APP = {"app.py": "def handler(event, context):\n    return {'ok': True, 'event': event}\n"}


def test_create_get_list_delete(lam):
    package = zip_bytes(APP)
    out = lam.create_function(FunctionName="life", Runtime="python3.12", Role=ROLE,
                              Handler="app.handler", Code={"ZipFile": package},
                              Description="first", Tags={"team": "vision"})
    assert out["State"] == "Pending" and out["StateReasonCode"] == "Creating"
    assert out["CodeSha256"] == base64.b64encode(hashlib.sha256(package).digest()).decode()
    assert out["CodeSize"] == len(package)
    assert out["FunctionArn"] == "arn:aws:lambda:us-east-1:000000000000:function:life"
    lam.get_waiter("function_active_v2").wait(FunctionName="life")
    got = lam.get_function(FunctionName="life")
    assert got["Configuration"]["State"] == "Active"
    assert got["Configuration"]["Timeout"] == 3 and got["Configuration"]["MemorySize"] == 128
    assert got["Tags"] == {"team": "vision"}
    # Code.Location serves the package back.
    with urllib.request.urlopen(got["Code"]["Location"]) as r:
        assert r.read() == package
    by_arn = lam.get_function_configuration(FunctionName=out["FunctionArn"])
    assert by_arn["Description"] == "first"
    create_function(lam, "life2", APP, wait=False)
    names = [f["FunctionName"] for f in lam.list_functions()["Functions"]]
    assert names == ["life", "life2"]
    page = lam.list_functions(MaxItems=1)
    assert [f["FunctionName"] for f in page["Functions"]] == ["life"]
    rest = lam.list_functions(Marker=page["NextMarker"])
    assert [f["FunctionName"] for f in rest["Functions"]] == ["life2"]
    lam.delete_function(FunctionName="life")
    with pytest.raises(ClientError) as e:
        lam.get_function(FunctionName="life")
    assert error_of(e) == ("ResourceNotFoundException", 404)
    assert "function:life" in str(e.value)


def test_update_configuration_and_code(lam, s3):
    create_function(lam, "upd", APP)
    out = lam.update_function_configuration(FunctionName="upd", Timeout=30, MemorySize=512,
                                            Environment={"Variables": {"AB": "1"}},
                                            Handler="other.handler")
    assert out["LastUpdateStatus"] == "InProgress"
    lam.get_waiter("function_updated_v2").wait(FunctionName="upd")
    cfg = lam.get_function_configuration(FunctionName="upd")
    assert (cfg["Timeout"], cfg["MemorySize"], cfg["Handler"]) == (30, 512, "other.handler")
    assert cfg["Environment"] == {"Variables": {"AB": "1"}}
    assert cfg["LastUpdateStatus"] == "Successful"
    # Code from S3.
    s3.create_bucket(Bucket="code-bucket")
    package = zip_bytes({"other.py": "import os\ndef handler(e, c):\n    return os.environ['AB']\n"})
    s3.put_object(Bucket="code-bucket", Key="pkg.zip", Body=package)
    out = lam.update_function_code(FunctionName="upd", S3Bucket="code-bucket", S3Key="pkg.zip")
    assert out["CodeSha256"] == base64.b64encode(hashlib.sha256(package).digest()).decode()
    assert invoke_json(lam, "upd")[2] == "1"
    with pytest.raises(ClientError) as e:
        lam.update_function_configuration(FunctionName="upd", RevisionId="stale", Timeout=5)
    assert error_of(e) == ("PreconditionFailedException", 412)


def damaged_crc(package):
    """The package with its first entry's CRC-32 changed in the central directory."""
    at = package.index(b"PK\x01\x02") + 16
    return package[:at] + bytes(b ^ 0xFF for b in package[at:at + 4]) + package[at + 4:]


def test_create_function_validation(server, lam):
    raw = make_client(server, "lambda", parameter_validation=False)
    good = dict(FunctionName="v", Runtime="python3.12", Role=ROLE, Handler="app.handler",
                Code={"ZipFile": zip_bytes(APP)})
    cases = [
        (dict(FunctionName="bad name!"), "ValidationException", 400),
        (dict(Runtime="python2.7"), "InvalidParameterValueException", 400),
        (dict(Runtime="cobol85"), "ValidationException", 400),
        (dict(Role="not-a-role"), "ValidationException", 400),
        (dict(Timeout=0), "ValidationException", 400),
        (dict(Timeout=901), "ValidationException", 400),
        (dict(MemorySize=64), "ValidationException", 400),
        (dict(Environment={"Variables": {"AWS_REGION": "x"}}), "InvalidParameterValueException", 400),
        (dict(Environment={"Variables": {"BIG": "x" * 5000}}), "InvalidParameterValueException", 400),
        (dict(Environment={"Variables": {"1bad": "x"}}), "ValidationException", 400),
        (dict(Code={"ZipFile": b"this is not a zip"}), "InvalidParameterValueException", 400),
        (dict(Code={"ZipFile": zip_bytes({"../escape.py": "x"})}), "InvalidParameterValueException", 400),
        (dict(Code={"ZipFile": damaged_crc(zip_bytes(APP))}), "InvalidParameterValueException", 400),
        (dict(Code={"ZipFile": zip_bytes(APP)[:-30]}), "InvalidParameterValueException", 400),
        (dict(Code={"S3Bucket": "nope-bucket", "S3Key": "k.zip"}), "InvalidParameterValueException", 400),
        (dict(Code={}), "InvalidParameterValueException", 400),
        (dict(Layers=["not-an-arn"]), "ValidationException", 400),
    ]
    for change, code, status in cases:
        with pytest.raises(ClientError) as e:
            raw.create_function(**dict(good, **change))
        assert error_of(e) == (code, status), change
    missing_role = dict(good)
    del missing_role["Role"]
    with pytest.raises(ClientError) as e:
        raw.create_function(**missing_role)
    assert error_of(e) == ("ValidationException", 400)
    raw.create_function(**good)
    with pytest.raises(ClientError) as e:
        raw.create_function(**good)
    assert error_of(e) == ("ResourceConflictException", 409)
    assert lam.list_functions()["Functions"][0]["FunctionName"] == "v"


def test_permissions_policy(lam):
    create_function(lam, "perm", APP)
    with pytest.raises(ClientError) as e:
        lam.get_policy(FunctionName="perm")
    assert error_of(e) == ("ResourceNotFoundException", 404)
    out = lam.add_permission(FunctionName="perm", StatementId="s3invoke", Action="lambda:InvokeFunction",
                             Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::bucket",
                             SourceAccount="000000000000")
    statement = json.loads(out["Statement"])
    assert statement["Principal"] == {"Service": "s3.amazonaws.com"}
    assert statement["Condition"]["ArnLike"] == {"AWS:SourceArn": "arn:aws:s3:::bucket"}
    with pytest.raises(ClientError) as e:
        lam.add_permission(FunctionName="perm", StatementId="s3invoke", Action="lambda:InvokeFunction",
                           Principal="s3.amazonaws.com")
    assert error_of(e) == ("ResourceConflictException", 409)
    policy = json.loads(lam.get_policy(FunctionName="perm")["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["s3invoke"]
    lam.remove_permission(FunctionName="perm", StatementId="s3invoke")
    with pytest.raises(ClientError) as e:
        lam.remove_permission(FunctionName="perm", StatementId="s3invoke")
    assert error_of(e) == ("ResourceNotFoundException", 404)


def test_event_invoke_config(server, lam):
    create_function(lam, "eic", APP)
    raw = make_client(server, "lambda", parameter_validation=False)
    dest = "arn:aws:sqs:us-east-1:000000000000:failures"
    out = lam.put_function_event_invoke_config(FunctionName="eic", MaximumRetryAttempts=1,
                                               DestinationConfig={"OnFailure": {"Destination": dest}})
    assert out["MaximumRetryAttempts"] == 1
    got = lam.get_function_event_invoke_config(FunctionName="eic")
    assert got["DestinationConfig"]["OnFailure"]["Destination"] == dest
    lam.update_function_event_invoke_config(FunctionName="eic", MaximumEventAgeInSeconds=120)
    got = lam.get_function_event_invoke_config(FunctionName="eic")
    assert (got["MaximumRetryAttempts"], got["MaximumEventAgeInSeconds"]) == (1, 120)
    for bad in [dict(MaximumRetryAttempts=3), dict(MaximumEventAgeInSeconds=10),
                dict(DestinationConfig={"OnFailure": {"Destination": "arn:aws:s3:::bucket"}})]:
        with pytest.raises(ClientError) as e:
            raw.put_function_event_invoke_config(FunctionName="eic", **bad)
        assert error_of(e)[1] == 400, bad
    lam.delete_function_event_invoke_config(FunctionName="eic")
    with pytest.raises(ClientError) as e:
        lam.get_function_event_invoke_config(FunctionName="eic")
    assert error_of(e) == ("ResourceNotFoundException", 404)


def test_tags_and_account_settings(lam):
    arn = create_function(lam, "tagged", APP)["FunctionArn"]
    lam.tag_resource(Resource=arn, Tags={"a": "1", "b": "2"})
    lam.untag_resource(Resource=arn, TagKeys=["a"])
    assert lam.list_tags(Resource=arn)["Tags"] == {"b": "2"}
    usage = lam.get_account_settings()["AccountUsage"]
    assert usage["FunctionCount"] == 1


def test_functions_survive_a_restart(tmp_path):
    server = Server(data_dir=tmp_path / "data")
    try:
        lam = make_client(server, "lambda", read_timeout=60)
        create_function(lam, "durable", APP)
        lam.put_function_event_invoke_config(FunctionName="durable", MaximumRetryAttempts=0)
        server.stop()
        server.start()
        assert invoke_json(lam, "durable", {"x": 1})[2] == {"ok": True, "event": {"x": 1}}
        assert lam.get_function_event_invoke_config(FunctionName="durable")["MaximumRetryAttempts"] == 0
    finally:
        server.cleanup()


def test_cli_create_invoke_and_errors(server, tmp_path):
    package = tmp_path / "fn.zip"
    package.write_bytes(zip_bytes(APP))
    out = cli_json(server, "lambda", "create-function", "--function-name", "cli-fn",
                   "--runtime", "python3.12", "--role", ROLE, "--handler", "app.handler",
                   "--zip-file", f"fileb://{package}")
    assert out["FunctionName"] == "cli-fn"
    run_cli(server, "lambda", "wait", "function-active-v2", "--function-name", "cli-fn")
    result = tmp_path / "out.json"
    out = cli_json(server, "lambda", "invoke", "--function-name", "cli-fn",
                   "--cli-binary-format", "raw-in-base64-out", "--payload", '{"via": "cli"}',
                   str(result))
    assert out["StatusCode"] == 200
    assert json.loads(result.read_text()) == {"ok": True, "event": {"via": "cli"}}
    p = run_cli(server, "lambda", "get-function", "--function-name", "nope", check=False)
    assert p.returncode != 0 and "ResourceNotFoundException" in p.stderr
    run_cli(server, "lambda", "delete-function", "--function-name", "cli-fn")
    assert cli_json(server, "lambda", "list-functions")["Functions"] == []


ONCE = '''
import boto3
s3 = boto3.client("s3")
def handler(event, context):
    try:
        s3.head_object(Bucket="durable-bucket", Key="first-attempt")
    except s3.exceptions.ClientError:
        s3.put_object(Bucket="durable-bucket", Key="first-attempt", Body=context.aws_request_id.encode())
        raise RuntimeError("fails the first time")
    s3.put_object(Bucket="durable-bucket", Key="done", Body=context.aws_request_id.encode())
'''


def test_acknowledged_event_survives_a_restart(tmp_path):
    """A 202 for an Event invocation is a promise: with --data-dir, an event waiting for its
    retry when fogbank stops runs when it starts again."""
    import time
    # The retry would come after ten minutes: only the restart can bring it sooner.
    server = Server(data_dir=tmp_path / "data", env={"FOGBANK_LAMBDA_RETRY_DELAY_MS": "600000"})
    try:
        lam = make_client(server, "lambda", read_timeout=60)
        s3 = make_client(server)
        s3.create_bucket(Bucket="durable-bucket")
        create_function(lam, "once", {"app.py": ONCE}, Timeout=30)
        assert lam.invoke(FunctionName="once", InvocationType="Event", Payload=b"{}")["StatusCode"] == 202
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                first = s3.get_object(Bucket="durable-bucket", Key="first-attempt")["Body"].read()
                break
            except ClientError:
                time.sleep(0.1)
        else:
            pytest.fail("the first attempt never ran")
        server.stop()
        server.start()
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                done = s3.get_object(Bucket="durable-bucket", Key="done")["Body"].read()
                break
            except ClientError:
                time.sleep(0.1)
        else:
            pytest.fail("the event was lost across the restart:\n" + server.logs()[-3000:])
        assert done == first  # the same request id: the same event, retried
    finally:
        server.cleanup()
