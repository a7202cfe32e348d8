"""Lambda functions run as child processes over fogbank's Runtime API: Python, Node and
`provided` runtimes, driven by boto3."""
import base64
import concurrent.futures
import json
import time

import pytest
from botocore.exceptions import ClientError

from conftest import create_function, error_of, invoke_json, make_client, zip_bytes

PY_APP = '''
import os, time
def handler(event, context):
    print("got", event.get("n"), "in", context.aws_request_id)
    if event.get("fail"):
        raise ValueError("asked to fail: " + str(event["fail"]))
    time.sleep(event.get("sleep", 0))
    return {"n": event.get("n"), "pid": os.getpid(), "name": context.function_name,
            "arn": context.invoked_function_arn, "memory": context.memory_limit_in_mb,
            "left_ms": context.get_remaining_time_in_millis(), "request": context.aws_request_id,
            "greeting": os.environ.get("GREETING"), "region": os.environ.get("AWS_REGION")}
'''


def test_python_handler_gets_event_context_and_environment(lam):
    create_function(lam, "py", {"app.py": PY_APP}, Environment={"Variables": {"GREETING": "hej"}},
                    Timeout=10, MemorySize=256)
    status, err, out, r = invoke_json(lam, "py", {"n": 1})
    assert (status, err) == (200, None)
    assert out["n"] == 1 and out["name"] == "py" and out["greeting"] == "hej"
    assert out["arn"] == "arn:aws:lambda:us-east-1:000000000000:function:py"
    assert out["memory"] == "256" and out["region"] == "us-east-1"
    assert 0 < out["left_ms"] <= 10000
    assert r["ExecutedVersion"] == "$LATEST"


def test_warm_sandbox_is_reused_and_code_update_replaces_it(lam):
    create_function(lam, "warm", {"app.py": PY_APP})
    pids = {invoke_json(lam, "warm", {"n": i})[2]["pid"] for i in range(5)}
    assert len(pids) == 1  # one warm process served every sequential invocation
    new = PY_APP.replace('"n": event.get("n")', '"n": -1')
    lam.update_function_code(FunctionName="warm", ZipFile=zip_bytes({"app.py": new}))
    lam.get_waiter("function_updated_v2").wait(FunctionName="warm")
    out = invoke_json(lam, "warm", {"n": 7})[2]
    assert out["n"] == -1 and out["pid"] not in pids


def test_log_tail_holds_the_invocations_output(lam):
    create_function(lam, "logs", {"app.py": PY_APP})
    _, _, out, r = invoke_json(lam, "logs", {"n": 42}, LogType="Tail")
    log = base64.b64decode(r["LogResult"]).decode()
    request = out["request"]
    assert f"START RequestId: {request} Version: $LATEST" in log
    assert f"got 42 in {request}" in log
    assert f"END RequestId: {request}" in log
    assert f"REPORT RequestId: {request}\tDuration: " in log
    assert "LogResult" not in invoke_json(lam, "logs", {"n": 1})[3]  # only when asked


def test_handler_exception_is_a_function_error(lam):
    create_function(lam, "fails", {"app.py": PY_APP})
    status, err, out, r = invoke_json(lam, "fails", {"fail": "please"}, LogType="Tail")
    assert (status, err) == (200, "Unhandled")
    assert out["errorType"] == "ValueError" and out["errorMessage"] == "asked to fail: please"
    assert any("app.py" in frame for frame in out["stackTrace"])
    assert "python_bootstrap" not in json.dumps(out["stackTrace"])
    assert "ValueError" in base64.b64decode(r["LogResult"]).decode()
    # The sandbox survives a handled exception.
    assert invoke_json(lam, "fails", {"n": 2})[2]["n"] == 2


def test_import_and_handler_errors_are_init_errors(lam):
    create_function(lam, "noimport", {"app.py": PY_APP}, handler="missing.handler")
    status, err, out, _ = invoke_json(lam, "noimport")
    assert (status, err) == (200, "Unhandled")
    assert out["errorType"] == "Runtime.ImportModuleError"
    assert "Unable to import module 'missing'" in out["errorMessage"]
    create_function(lam, "nohandler", {"app.py": PY_APP}, handler="app.absent")
    out = invoke_json(lam, "nohandler")[2]
    assert out["errorType"] == "Runtime.HandlerNotFound"
    create_function(lam, "syntax", {"app.py": "def handler(:\n"})
    assert invoke_json(lam, "syntax")[2]["errorType"] == "Runtime.UserCodeSyntaxError"


def test_timeout_kills_the_invocation_as_aws_reports_it(lam):
    create_function(lam, "slow", {"app.py": PY_APP}, Timeout=1)
    started = time.time()
    status, err, out, r = invoke_json(lam, "slow", {"sleep": 30}, LogType="Tail")
    took = time.time() - started
    assert 1.0 <= took < 5, took
    assert (status, err) == (200, "Unhandled")
    assert out["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in out["errorMessage"]
    assert "Task timed out after 1.00 seconds" in base64.b64decode(r["LogResult"]).decode()
    # A fresh sandbox serves the next invocation.
    assert invoke_json(lam, "slow", {"n": 3})[2]["n"] == 3


def test_process_exit_is_a_runtime_exit_error(lam):
    create_function(lam, "exits", {"app.py": "import os\ndef handler(e, c):\n    os._exit(3)\n"})
    status, err, out, _ = invoke_json(lam, "exits")
    assert err == "Unhandled" and out["errorType"] == "Runtime.ExitError"
    assert "exit status 3" in out["errorMessage"]


def test_concurrent_invocations_run_in_parallel_sandboxes(lam):
    create_function(lam, "par", {"app.py": PY_APP})
    started = time.time()
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        outs = list(pool.map(lambda i: invoke_json(lam, "par", {"n": i, "sleep": 1})[2], range(4)))
    took = time.time() - started
    assert sorted(o["n"] for o in outs) == [0, 1, 2, 3]
    assert len({o["pid"] for o in outs}) == 4
    assert took < 3.5, took  # four one-second invocations, not one after another


def test_reserved_concurrency_limits_sandboxes(lam):
    create_function(lam, "one", {"app.py": PY_APP})
    lam.put_function_concurrency(FunctionName="one", ReservedConcurrentExecutions=1)
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        outs = list(pool.map(lambda i: invoke_json(lam, "one", {"n": i, "sleep": 0.3})[2], range(3)))
    assert len({o["pid"] for o in outs}) == 1
    assert lam.get_function_concurrency(FunctionName="one")["ReservedConcurrentExecutions"] == 1


NODE_ESM = "export const handler = async (event, context) => ({ esm: true, n: event.n, name: context.functionName, left: context.getRemainingTimeInMillis() > 0 });\n"
NODE_CJS = """
exports.callback = function (event, context, callback) {
  setTimeout(() => callback(null, { style: 'callback', n: event.n }), 10);
};
exports.promise = async (event) => ({ style: 'async', n: event.n });
exports.fails = async () => { throw new TypeError('bad input'); };
exports.callbackError = (event, context, callback) => callback(new RangeError('out of range'));
"""


def test_node_esm_and_commonjs_handlers(lam):
    files = {"index.mjs": NODE_ESM, "lib/cjs.js": NODE_CJS}
    create_function(lam, "esm", files, handler="index.handler", runtime="nodejs20.x")
    out = invoke_json(lam, "esm", {"n": 5})[2]
    assert out == {"esm": True, "n": 5, "name": "esm", "left": True}
    for name, handler, style in [("cb", "lib/cjs.callback", "callback"),
                                 ("prom", "lib/cjs.promise", "async")]:
        create_function(lam, name, files, handler=handler, runtime="nodejs22.x")
        assert invoke_json(lam, name, {"n": 9})[2] == {"style": style, "n": 9}


def test_node_errors(lam):
    files = {"lib/cjs.js": NODE_CJS}
    create_function(lam, "nfail", files, handler="lib/cjs.fails", runtime="nodejs20.x")
    status, err, out, _ = invoke_json(lam, "nfail")
    assert err == "Unhandled" and out["errorType"] == "TypeError" and out["errorMessage"] == "bad input"
    create_function(lam, "ncb", files, handler="lib/cjs.callbackError", runtime="nodejs20.x")
    out = invoke_json(lam, "ncb")[2]
    assert out["errorType"] == "RangeError"
    create_function(lam, "nmissing", files, handler="nothere.handler", runtime="nodejs20.x")
    out = invoke_json(lam, "nmissing")[2]
    assert out["errorType"] == "Runtime.ImportModuleError"


# A custom runtime in shell, as AWS's tutorial writes one: the Runtime API over curl.
SHELL_BOOTSTRAP = r'''#!/bin/sh
set -eu
API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
while true; do
  HEADERS=$(mktemp)
  EVENT=$(curl -sS -D "$HEADERS" "$API/invocation/next")
  ID=$(grep -i Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '\r' | cut -d' ' -f2)
  echo "handling $ID"
  curl -sS -X POST "$API/invocation/$ID/response" -d "{\"shell\": $EVENT, \"handler\": \"$_HANDLER\"}" >/dev/null
done
'''


def test_provided_runtime_bootstrap(lam):
    create_function(lam, "shell", {"bootstrap": SHELL_BOOTSTRAP}, handler="function.handler",
                    runtime="provided.al2023")
    for i in range(3):
        status, err, out, r = invoke_json(lam, "shell", {"i": i}, LogType="Tail")
        assert (status, err) == (200, None)
        assert out == {"shell": {"i": i}, "handler": "function.handler"}
        assert "handling " in base64.b64decode(r["LogResult"]).decode()


def test_provided_runtime_without_bootstrap_fails_clearly(lam):
    create_function(lam, "nobootstrap", {"readme.txt": "no bootstrap here"}, runtime="provided.al2")
    status, err, out, _ = invoke_json(lam, "nobootstrap")
    assert err == "Unhandled" and out["errorType"] == "Runtime.InvalidEntrypoint"


SDK_APP = '''
import boto3, json
s3 = boto3.client("s3")
ddb = boto3.resource("dynamodb")
def handler(event, context):
    body = s3.get_object(Bucket=event["bucket"], Key=event["key"])["Body"].read().decode()
    ddb.Table(event["table"]).put_item(Item={"id": event["key"], "body": body})
    s3.put_object(Bucket=event["bucket"], Key=event["key"] + ".done", Body=body.upper())
    return {"read": body}
'''


def test_handler_calls_s3_and_dynamodb_without_an_endpoint_in_its_code(lam, server, s3, ddb):
    from conftest import create_table
    s3.create_bucket(Bucket="sdk-bucket")
    s3.put_object(Bucket="sdk-bucket", Key="note.txt", Body=b"hello lambda")
    create_table(ddb, "sdk-table")
    create_function(lam, "sdk", {"app.py": SDK_APP}, Timeout=30)
    status, err, out, _ = invoke_json(lam, "sdk", {"bucket": "sdk-bucket", "key": "note.txt", "table": "sdk-table"})
    assert (status, err) == (200, None), out
    assert out == {"read": "hello lambda"}
    assert ddb.get_item(TableName="sdk-table", Key={"id": {"S": "note.txt"}})["Item"]["body"] == {"S": "hello lambda"}
    assert s3.get_object(Bucket="sdk-bucket", Key="note.txt.done")["Body"].read() == b"HELLO LAMBDA"


def test_event_and_dry_run_invocations(lam, s3):
    s3.create_bucket(Bucket="async-out")
    create_function(lam, "writer", {"app.py": SDK_APP.replace('event["table"]', '"none"').replace(
        "    ddb.Table", "    # ddb.Table")}, Timeout=30)
    s3.put_object(Bucket="async-out", Key="in.txt", Body=b"queued")
    r = lam.invoke(FunctionName="writer", InvocationType="Event",
                   Payload=json.dumps({"bucket": "async-out", "key": "in.txt"}))
    assert r["StatusCode"] == 202 and r["Payload"].read() == b""
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            assert s3.get_object(Bucket="async-out", Key="in.txt.done")["Body"].read() == b"QUEUED"
            break
        except ClientError:
            time.sleep(0.1)
    else:
        pytest.fail("the Event invocation never ran")
    assert lam.invoke(FunctionName="writer", InvocationType="DryRun")["StatusCode"] == 204


def test_invoke_rejects_bad_input(server, lam):
    create_function(lam, "strict", {"app.py": PY_APP})
    raw = make_client(server, "lambda", parameter_validation=False)
    with pytest.raises(ClientError) as e:
        raw.invoke(FunctionName="strict", Payload=b"{not json")
    assert error_of(e) == ("InvalidRequestContentException", 400)
    with pytest.raises(ClientError) as e:
        raw.invoke(FunctionName="strict", InvocationType="Sometimes", Payload=b"{}")
    assert error_of(e) == ("ValidationException", 400)
    with pytest.raises(ClientError) as e:
        raw.invoke(FunctionName="strict", LogType="Everything", Payload=b"{}")
    assert error_of(e) == ("ValidationException", 400)
    with pytest.raises(ClientError) as e:
        raw.invoke(FunctionName="strict", Payload=b'"' + b"x" * (6 * 1024 * 1024) + b'"')
    assert error_of(e) == ("RequestTooLargeException", 413)
    with pytest.raises(ClientError) as e:
        raw.invoke(FunctionName="strict", InvocationType="Event", Payload=b'"' + b"x" * (1024 * 1024 + 1) + b'"')
    assert error_of(e) == ("RequestTooLargeException", 413)
    with pytest.raises(ClientError) as e:
        raw.invoke(FunctionName="absent", Payload=b"{}")
    assert error_of(e) == ("ResourceNotFoundException", 404)
    with pytest.raises(ClientError) as e:
        raw.invoke(FunctionName="strict", Qualifier="7", Payload=b"{}")
    assert error_of(e) == ("ResourceNotFoundException", 404)
    with pytest.raises(ClientError) as e:
        raw.invoke(FunctionName="strict", ClientContext="not base64 json", Payload=b"{}")
    assert error_of(e) == ("InvalidRequestContentException", 400)


def test_oversized_response_is_a_function_error(lam):
    create_function(lam, "big", {"app.py": "def handler(e, c):\n    return 'x' * (7 * 1024 * 1024)\n"})
    status, err, out, _ = invoke_json(lam, "big")
    assert err == "Unhandled" and out["errorType"] == "Function.ResponseSizeTooLarge"


def test_versions_and_aliases_run_their_own_code(lam):
    create_function(lam, "ver", {"app.py": "def handler(e, c):\n    return 'one'\n"})
    v1 = lam.publish_version(FunctionName="ver")["Version"]
    assert v1 == "1"
    lam.update_function_code(FunctionName="ver", ZipFile=zip_bytes({"app.py": "def handler(e, c):\n    return 'two'\n"}))
    lam.get_waiter("function_updated_v2").wait(FunctionName="ver")
    lam.create_alias(FunctionName="ver", Name="prod", FunctionVersion="1")
    assert invoke_json(lam, "ver")[2] == "two"
    assert invoke_json(lam, "ver", Qualifier="1")[2] == "one"
    _, _, out, r = invoke_json(lam, "ver", Qualifier="prod")
    assert out == "one" and r["ExecutedVersion"] == "1"
    assert [v["Version"] for v in lam.list_versions_by_function(FunctionName="ver")["Versions"]] == ["$LATEST", "1"]
    assert lam.get_alias(FunctionName="ver", Name="prod")["FunctionVersion"] == "1"


def test_provided_runtime_cpp_function(lam, tmp_path):
    # A compiled bootstrap, as a C++ function is deployed: built here with the toolchain that
    # builds fogbank.
    import pathlib
    import subprocess
    source = pathlib.Path(__file__).parent / "functions" / "cpp_echo_bootstrap.cpp"
    binary = tmp_path / "bootstrap"
    subprocess.run(["c++", "-O2", "-o", str(binary), str(source)], check=True, timeout=120)
    create_function(lam, "cpp", {"bootstrap": binary.read_bytes()}, handler="unused",
                    runtime="provided.al2023")
    for i in range(3):
        status, err, out, _ = invoke_json(lam, "cpp", {"i": i, "text": "héllo"})
        assert (status, err) == (200, None)
        assert out["echo"] == {"i": i, "text": "héllo"} and len(out["requestId"]) == 36


def test_result_that_is_not_json_is_a_marshal_error(lam):
    create_function(lam, "unmarshal", {"app.py": "def handler(e, c):\n    return {1, 2}\n"})
    status, err, out, _ = invoke_json(lam, "unmarshal")
    assert err == "Unhandled" and out["errorType"] == "Runtime.MarshalError"
    assert out["errorMessage"].startswith("Unable to marshal response:")


def test_runtime_that_never_asks_for_work_times_out(lam):
    create_function(lam, "stuck", {"bootstrap": "#!/bin/sh\nexec sleep 600\n"}, runtime="provided.al2023",
                    Timeout=1)
    started = time.time()
    status, err, out, _ = invoke_json(lam, "stuck")
    assert 10 <= time.time() - started < 20  # Lambda's 10 s of init, then the 1 s Timeout
    assert err == "Unhandled" and out["errorType"] == "Sandbox.Timedout"
