"""Fixtures that start the real fogbank binary on a free loopback port.

Every test talks to a live server through a real client (boto3, the AWS CLI, the AWS SDK
for JavaScript v3, or raw HTTP where the wire itself is under test). State is wiped between
tests with POST /_fogbank/reset, so tests share one server but not its data.
"""
import json
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request

import boto3
import pytest
from botocore.config import Config

ROOT = pathlib.Path(__file__).resolve().parents[2]
# Photos with known contents (tests/fixtures/README.md says what each holds and where from).
FIXTURES = ROOT / "tests" / "fixtures"
BINARY = pathlib.Path(os.environ.get("FOGBANK_BIN", ROOT / "build" / "release" / "fogbank"))
AWS_CLI = os.environ.get("FOGBANK_AWS_CLI", "/usr/bin/aws")
ACCESS_KEY = "AKIDFOGBANKTEST"
SECRET_KEY = "fogbank-test-secret"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A running fogbank process."""

    def __init__(self, extra_args=(), config=None, data_dir=None, env=None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.tmp = tempfile.mkdtemp(prefix="fogbank-test-")
        self.log_path = pathlib.Path(self.tmp) / "server.log"
        args = [str(BINARY), "serve", "--port", str(self.port)]
        if config is not None:
            cfg = pathlib.Path(self.tmp) / "fogbank.yaml"
            cfg.write_text(config)
            args += ["--config", str(cfg)]
        if data_dir is not None:
            args += ["--data-dir", str(data_dir)]
        args += list(extra_args)
        self.args = args
        # A developer's own LocalStack settings must not change what the tests see.
        base = {k: v for k, v in os.environ.items()
                if k not in ("LOCALSTACK_HOST", "FOGBANK_ADVERTISED_HOST", "FOGBANK_INIT_DIR")}
        self.env = dict(base, **(env or {}))
        self.proc = None
        self.start()

    def start(self):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.args, stdout=self.log, stderr=subprocess.STDOUT, env=self.env)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("fogbank exited early:\n" + self.log_path.read_text())
            try:
                with urllib.request.urlopen(self.url + "/_fogbank/health", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("fogbank did not become healthy")

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=timeout)
        self.log.close()
        return self.proc.returncode

    def reset(self):
        req = urllib.request.Request(self.url + "/_fogbank/reset", method="POST")
        with urllib.request.urlopen(req, timeout=10) as r:
            assert r.status == 200

    def logs(self):
        return self.log_path.read_text(errors="replace")

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def server():
    s = Server()
    yield s
    rc = s.stop()
    assert rc == 0, "fogbank did not shut down cleanly:\n" + s.logs()[-4000:]
    shutil.rmtree(s.tmp, ignore_errors=True)


@pytest.fixture(autouse=True)
def _fresh_state(request):
    if "server" in request.fixturenames:
        request.getfixturevalue("server").reset()
    yield


def raw(server, method, path, body=None, headers=None):
    """One request over a fresh connection, for what the wire itself is under test:
    (response, body bytes)."""
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r, data


def error_of(excinfo):
    """(code, HTTP status) of a botocore ClientError caught by pytest.raises."""
    e = excinfo.value.response
    return e["Error"]["Code"], e["ResponseMetadata"]["HTTPStatusCode"]


def strict_config(*extra_keys):
    """fogbank.yaml for strict authentication: ACCESS_KEY/SECRET_KEY in account 111122223333,
    and any (access key, secret, account) given."""
    keys = [(ACCESS_KEY, SECRET_KEY, "111122223333"), *extra_keys]
    return "auth:\n  strict: true\n  keys:\n" + "".join(
        f"    - access_key_id: {ak}\n      secret_access_key: {sk}\n      account: \"{acct}\"\n"
        for ak, sk, acct in keys)


def make_client(server, service="s3", region="us-east-1", access_key="test", secret="test", **cfg):
    conf = Config(retries={"max_attempts": 1, "mode": "standard"}, **cfg)
    return boto3.client(
        service,
        endpoint_url=server.url,
        region_name=region,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret,
        config=conf,
    )


@pytest.fixture
def s3(server):
    return make_client(server)


def run_cli(server, *args, check=True, input=None, env=None, region="us-east-1"):
    e = dict(os.environ)
    e.update(
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
        AWS_DEFAULT_REGION=region,
        AWS_PAGER="",
        AWS_CONFIG_FILE="/dev/null",
        AWS_SHARED_CREDENTIALS_FILE="/dev/null",
    )
    e.update(env or {})
    cmd = [AWS_CLI, "--endpoint-url", server.url, *args]
    p = subprocess.run(cmd, capture_output=True, text=True, env=e, input=input, timeout=300)
    if check and p.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    return p


def cli_json(server, *args, **kw):
    p = run_cli(server, *args, **kw)
    return json.loads(p.stdout) if p.stdout.strip() else None


@pytest.fixture
def sqs(server):
    return make_client(server, "sqs")


def advance_clock(server, seconds):
    """Moves fogbank's service clock forward (POST /_fogbank/clock); reset puts it back."""
    req = urllib.request.Request(server.url + "/_fogbank/clock", method="POST",
                                 data=json.dumps({"advance_seconds": seconds}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


@pytest.fixture
def ddb(server):
    return make_client(server, "dynamodb")


@pytest.fixture
def ddb_resource(server):
    return boto3.resource("dynamodb", endpoint_url=server.url, region_name="us-east-1",
                          aws_access_key_id="test", aws_secret_access_key="test",
                          config=Config(retries={"max_attempts": 1, "mode": "standard"}))


def create_table(ddb, name, hash_key=("id", "S"), range_key=None, **kw):
    """Creates a table keyed by (name, type) pairs; extra definitions go in `attributes`."""
    defs = {hash_key[0]: hash_key[1]}
    schema = [{"AttributeName": hash_key[0], "KeyType": "HASH"}]
    if range_key:
        defs[range_key[0]] = range_key[1]
        schema.append({"AttributeName": range_key[0], "KeyType": "RANGE"})
    defs.update(kw.pop("attributes", {}))
    kw.setdefault("BillingMode", "PAY_PER_REQUEST")
    return ddb.create_table(TableName=name, KeySchema=schema,
                            AttributeDefinitions=[{"AttributeName": k, "AttributeType": t}
                                                  for k, t in defs.items()], **kw)


@pytest.fixture
def rek(server):
    return make_client(server, "rekognition")


def fixture_bytes(relative):
    return (FIXTURES / relative).read_bytes()


ROLE = "arn:aws:iam::000000000000:role/lambda-role"


def zip_bytes(files):
    """A deployment package from {name: text or bytes}; names ending in 'bootstrap' are
    executable, as a zip built on Linux would record them."""
    import io
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.external_attr = (0o100755 if name.endswith("bootstrap") else 0o100644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, content)
    return buf.getvalue()


@pytest.fixture
def lam(server):
    # read_timeout: a synchronous invoke waits for the function.
    return make_client(server, "lambda", read_timeout=120)


def create_function(lam, name, files, handler="app.handler", runtime="python3.12", wait=True, **kw):
    """Creates a function from source files and waits until it is Active."""
    out = lam.create_function(FunctionName=name, Runtime=runtime, Role=ROLE, Handler=handler,
                              Code={"ZipFile": zip_bytes(files)}, **kw)
    if wait:
        lam.get_waiter("function_active_v2").wait(FunctionName=name,
                                                   WaiterConfig={"Delay": 1, "MaxAttempts": 10})
    return out


def invoke_json(lam, name, payload=None, **kw):
    """(status, function error or None, decoded payload, the whole response)."""
    r = lam.invoke(FunctionName=name, Payload=json.dumps(payload if payload is not None else {}), **kw)
    body = r["Payload"].read()
    return r["StatusCode"], r.get("FunctionError"), (json.loads(body) if body else None), r
