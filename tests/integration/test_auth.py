"""Strict SigV4 verification (auth.strict: true), cross-checked against botocore's signer:
header auth, presigned URLs with expiry, UNSIGNED-PAYLOAD, and signed aws-chunked streaming
(STREAMING-AWS4-HMAC-SHA256-PAYLOAD), whose chunk signatures are computed here independently."""
import datetime
import hashlib
import hmac
import http.client
import subprocess
import time
import urllib.error
import urllib.request

import pytest
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from conftest import ACCESS_KEY, SECRET_KEY, AWS_CLI, Server, make_client, strict_config

@pytest.fixture(scope="module")
def strict():
    s = Server(config=strict_config())
    yield s
    s.cleanup()


@pytest.fixture
def client(strict):
    strict.reset()
    return make_client(strict, access_key=ACCESS_KEY, secret=SECRET_KEY)


def code(excinfo):
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_valid_signatures_pass(client):
    client.create_bucket(Bucket="strict")
    client.put_object(Bucket="strict", Key="a key/with spaces+plus", Body=b"signed body")
    assert client.get_object(Bucket="strict", Key="a key/with spaces+plus")["Body"].read() == b"signed body"
    assert [o["Key"] for o in client.list_objects_v2(Bucket="strict", Prefix="a key/")["Contents"]]
    assert client.list_buckets()["Owner"]["ID"] == "111122223333"


def test_wrong_secret_and_unknown_key(strict, client):
    client.create_bucket(Bucket="strict")
    bad = make_client(strict, access_key=ACCESS_KEY, secret="wrong")
    with pytest.raises(ClientError) as e:
        bad.list_objects_v2(Bucket="strict")
    assert code(e) == ("SignatureDoesNotMatch", 403)
    unknown = make_client(strict, access_key="AKIDUNKNOWN", secret=SECRET_KEY)
    with pytest.raises(ClientError) as e:
        unknown.list_buckets()
    assert code(e) == ("InvalidAccessKeyId", 403)


def test_unsigned_request_is_denied(strict):
    c = http.client.HTTPConnection("127.0.0.1", strict.port)
    c.request("GET", "/")
    r = c.getresponse()
    assert r.status == 403 and b"<Code>AccessDenied</Code>" in r.read()


def test_botocore_signer_cross_check(strict, client):
    """Requests signed by botocore's signers (header auth, S3 and generic) are accepted; one
    flipped character in the signature is not."""
    client.create_bucket(Bucket="cross")
    creds = Credentials(ACCESS_KEY, SECRET_KEY)
    req = AWSRequest(method="PUT", url=f"{strict.url}/cross/k%3Dv?tagging=", data=b"",
                     headers={"x-amz-content-sha256": "UNSIGNED-PAYLOAD"})
    req.data = b"<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>"
    client.put_object(Bucket="cross", Key="k=v", Body=b"x")
    S3SigV4Auth(creds, "s3", "us-east-1").add_auth(req)
    prepared = req.prepare()
    c = http.client.HTTPConnection("127.0.0.1", strict.port)
    c.request(prepared.method, prepared.url[len(strict.url):], body=prepared.body, headers=dict(prepared.headers))
    r = c.getresponse()
    assert r.status == 200, r.read()
    r.read()
    tampered = dict(prepared.headers)
    sig = tampered["Authorization"]
    tampered["Authorization"] = sig[:-1] + ("0" if sig[-1] != "0" else "1")
    c.request(prepared.method, prepared.url[len(strict.url):], body=prepared.body, headers=tampered)
    r = c.getresponse()
    assert r.status == 403 and b"SignatureDoesNotMatch" in r.read()
    # botocore's generic SigV4 (double-encoded path, body hash not sent as a header).
    req = AWSRequest(method="GET", url=f"{strict.url}/cross?list-type=2&prefix=k%3D")
    SigV4Auth(creds, "s3", "us-east-1").add_auth(req)
    prepared = req.prepare()
    c.request("GET", prepared.url[len(strict.url):], headers=dict(prepared.headers))
    r = c.getresponse()
    # S3 requires x-amz-content-sha256 with header auth, as AWS does.
    assert r.status == 400 and b"x-amz-content-sha256" in r.read()


class ClaimingSigner(S3SigV4Auth):
    """botocore's S3 signer, made to sign a payload hash of our choosing."""

    def __init__(self, claim, *args):
        super().__init__(*args)
        self.claim = claim

    def payload(self, request):
        return self.claim


def test_payload_hash_mismatch(strict, client):
    client.create_bucket(Bucket="hash")
    creds = Credentials(ACCESS_KEY, SECRET_KEY)
    req = AWSRequest(method="PUT", url=f"{strict.url}/hash/k", data=b"real body")
    ClaimingSigner(hashlib.sha256(b"other body").hexdigest(), creds, "s3", "us-east-1").add_auth(req)
    p = req.prepare()
    c = http.client.HTTPConnection("127.0.0.1", strict.port)
    c.request("PUT", "/hash/k", body=p.body, headers=dict(p.headers))
    r = c.getresponse()
    assert r.status == 400 and b"XAmzContentSHA256Mismatch" in r.read()


def test_presigned_urls_and_expiry(strict, client):
    client.create_bucket(Bucket="pre")
    client.put_object(Bucket="pre", Key="obj", Body=b"presigned")
    url = client.generate_presigned_url("get_object", Params={"Bucket": "pre", "Key": "obj"}, ExpiresIn=60)
    assert urllib.request.urlopen(url).read() == b"presigned"
    put_url = client.generate_presigned_url("put_object", Params={"Bucket": "pre", "Key": "up"}, ExpiresIn=60)
    c = http.client.HTTPConnection("127.0.0.1", strict.port)
    c.request("PUT", put_url[len(strict.url):], body=b"uploaded")
    r = c.getresponse()
    assert r.status == 200, r.read()
    assert client.get_object(Bucket="pre", Key="up")["Body"].read() == b"uploaded"
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(url.replace("obj", "obX"))
    assert e.value.code == 403 and b"SignatureDoesNotMatch" in e.value.read()
    short = client.generate_presigned_url("get_object", Params={"Bucket": "pre", "Key": "obj"}, ExpiresIn=1)
    time.sleep(2.1)
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(short)
    body = e.value.read()
    assert e.value.code == 403 and b"<Code>AccessDenied</Code>" in body and b"Request has expired" in body


def test_sigv4_presigned_urls(strict, client):
    from botocore.config import Config
    client.create_bucket(Bucket="pre4")
    client.put_object(Bucket="pre4", Key="obj", Body=b"v4")
    v4 = make_client(strict, access_key=ACCESS_KEY, secret=SECRET_KEY, signature_version="s3v4")
    url = v4.generate_presigned_url("get_object", Params={"Bucket": "pre4", "Key": "obj"}, ExpiresIn=60)
    assert "X-Amz-Signature=" in url
    assert urllib.request.urlopen(url).read() == b"v4"
    put_url = v4.generate_presigned_url("put_object", Params={"Bucket": "pre4", "Key": "up"}, ExpiresIn=60)
    c = http.client.HTTPConnection("127.0.0.1", strict.port)
    c.request("PUT", put_url[len(strict.url):], body=b"put v4")
    assert c.getresponse().status == 200
    assert client.get_object(Bucket="pre4", Key="up")["Body"].read() == b"put v4"
    short = v4.generate_presigned_url("get_object", Params={"Bucket": "pre4", "Key": "obj"}, ExpiresIn=1)
    time.sleep(2.1)
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(short)
    assert e.value.code == 403 and b"Request has expired" in e.value.read()
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(url.replace("X-Amz-Expires=60", "X-Amz-Expires=61"))
    assert e.value.code == 403 and b"SignatureDoesNotMatch" in e.value.read()


def test_cli_presign_under_strict_auth(strict, client):
    client.create_bucket(Bucket="clipre")
    client.put_object(Bucket="clipre", Key="f", Body=b"cli")
    env = {"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY, "AWS_DEFAULT_REGION": "us-east-1",
           "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "PATH": "/usr/bin:/bin"}
    url = subprocess.run([AWS_CLI, "--endpoint-url", strict.url, "s3", "presign", "s3://clipre/f"],
                         capture_output=True, text=True, env=env, check=True).stdout.strip()
    assert urllib.request.urlopen(url).read() == b"cli"


def _sign(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def _signing_key(secret, date, region, service):
    k = _sign(("AWS4" + secret).encode(), date)
    k = _sign(k, region)
    k = _sign(k, service)
    return _sign(k, "aws4_request")


def _streaming_put(strict, path, payload, chunk_size, corrupt_chunk=None):
    """PUT with STREAMING-AWS4-HMAC-SHA256-PAYLOAD: the seed signature from botocore's signer,
    the chunk signatures chained here as the SigV4 streaming spec describes."""
    now = datetime.datetime.utcnow()
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    date = amz_date[:8]
    chunks = [payload[i:i + chunk_size] for i in range(0, len(payload), chunk_size)] + [b""]
    framed_len = sum(len(("%x" % len(c))) + len(";chunk-signature=") + 64 + 2 + len(c) + 2 for c in chunks)
    headers = {
        "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "content-encoding": "aws-chunked",
        "x-amz-decoded-content-length": str(len(payload)),
        "content-length": str(framed_len),
        "x-amz-date": amz_date,
    }
    req = AWSRequest(method="PUT", url=strict.url + path, headers=headers)
    req.context["timestamp"] = amz_date
    ClaimingSigner("STREAMING-AWS4-HMAC-SHA256-PAYLOAD", Credentials(ACCESS_KEY, SECRET_KEY), "s3", "us-east-1").add_auth(req)
    amz_date = req.headers["X-Amz-Date"]
    date = amz_date[:8]
    seed = req.headers["Authorization"].rsplit("Signature=", 1)[1]
    key = _signing_key(SECRET_KEY, date, "us-east-1", "s3")
    scope = f"{date}/us-east-1/s3/aws4_request"
    empty = hashlib.sha256(b"").hexdigest()
    prev = seed
    body = b""
    for i, c in enumerate(chunks):
        sts = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, prev, empty, hashlib.sha256(c).hexdigest()])
        sig = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
        prev = sig
        if i == corrupt_chunk:
            sig = "f" * 64
        body += b"%x;chunk-signature=%s\r\n" % (len(c), sig.encode()) + c + b"\r\n"
    assert len(body) == framed_len
    conn = http.client.HTTPConnection("127.0.0.1", strict.port)
    conn.request("PUT", path, body=body, headers=dict(req.headers))
    r = conn.getresponse()
    return r.status, r.read()


def test_signed_streaming_upload(strict, client):
    client.create_bucket(Bucket="chunks")
    payload = bytes(range(256)) * 1000
    status, body = _streaming_put(strict, "/chunks/streamed", payload, 65536)
    assert status == 200, body
    assert client.get_object(Bucket="chunks", Key="streamed")["Body"].read() == payload
    status, body = _streaming_put(strict, "/chunks/forged", payload, 65536, corrupt_chunk=1)
    assert status == 403 and b"SignatureDoesNotMatch" in body
    with pytest.raises(ClientError):
        client.head_object(Bucket="chunks", Key="forged")


def test_clock_skew_and_malformed_auth(strict, client):
    import datetime as dt
    from unittest import mock

    client.create_bucket(Bucket="skew")

    class HourAgo(dt.datetime):
        @classmethod
        def utcnow(cls):
            return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) - dt.timedelta(hours=1)

    req = AWSRequest(method="GET", url=f"{strict.url}/skew?list-type=2")
    with mock.patch("botocore.auth.datetime.datetime", HourAgo):
        S3SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "s3", "us-east-1").add_auth(req)
    p = req.prepare()
    c = http.client.HTTPConnection("127.0.0.1", strict.port)
    c.request("GET", "/skew?list-type=2", headers=dict(p.headers))
    r = c.getresponse()
    assert r.status == 403 and b"<Code>RequestTimeTooSkewed</Code>" in r.read()

    c.request("GET", "/skew", headers={"Authorization": "AWS4-HMAC-SHA256 Credential=bad, SignedHeaders=host, Signature=x",
                                       "x-amz-date": "20260101T000000Z"})
    r = c.getresponse()
    assert r.status == 400 and b"<Code>AuthorizationHeaderMalformed</Code>" in r.read()

    q = ("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" + ACCESS_KEY + "%2F20260101%2Fus-east-1%2Fs3%2Faws4_request"
         "&X-Amz-Date=20260101T000000Z&X-Amz-Expires=604801&X-Amz-SignedHeaders=host&X-Amz-Signature=00")
    c.request("GET", "/skew?" + q)
    r = c.getresponse()
    assert r.status == 400 and b"<Code>AuthorizationQueryParametersError</Code>" in r.read()


def test_lambda_functions_sign_with_a_key_of_their_account(strict):
    """A function's SDK calls pass strict checks and act in the function's own account, while
    the sandbox's unsigned Runtime API calls are still served."""
    from conftest import create_function
    strict.reset()
    s3 = make_client(strict, access_key=ACCESS_KEY, secret=SECRET_KEY)
    lam = make_client(strict, "lambda", access_key=ACCESS_KEY, secret=SECRET_KEY, read_timeout=60)
    s3.create_bucket(Bucket="strict-fn")
    create_function(lam, "writer", {"app.py": (
        "import boto3\n"
        "def handler(event, context):\n"
        "    boto3.client('s3').put_object(Bucket='strict-fn', Key='from-lambda', Body=b'signed')\n"
        "    return context.invoked_function_arn\n")}, Timeout=30)
    out = lam.invoke(FunctionName="writer", Payload=b"{}")
    assert "FunctionError" not in out, out["Payload"].read()
    assert out["Payload"].read() == b'"arn:aws:lambda:us-east-1:111122223333:function:writer"'
    assert s3.get_object(Bucket="strict-fn", Key="from-lambda")["Body"].read() == b"signed"


class ClaimingJsonSigner(SigV4Auth):
    """botocore's signer for the JSON services, made to sign a payload hash of our choosing."""

    def __init__(self, claim, *args):
        super().__init__(*args)
        self.claim = claim

    def payload(self, request):
        return self.claim

    def _modify_request_before_signing(self, request):
        super()._modify_request_before_signing(request)
        request.headers["X-Amz-Content-SHA256"] = self.claim


def test_a_claimed_payload_hash_outside_s3_counts_only_where_signatures_do(server, strict):
    """S3 checks x-amz-content-sha256 itself; for DynamoDB it is only part of what was signed, so
    a wrong claim fails with strict auth and passes where signatures are not checked."""
    creds = Credentials(ACCESS_KEY, SECRET_KEY)
    body = b"{}"
    wrong = hashlib.sha256(b"another body").hexdigest()
    answers = {}
    for name, srv in (("lax", server), ("strict", strict)):
        req = AWSRequest(method="POST", url=f"{srv.url}/", data=body,
                         headers={"Content-Type": "application/x-amz-json-1.0",
                                  "X-Amz-Target": "DynamoDB_20120810.ListTables"})
        ClaimingJsonSigner(wrong, creds, "dynamodb", "us-east-1").add_auth(req)
        p = req.prepare()
        assert p.headers["X-Amz-Content-SHA256"] == wrong
        c = http.client.HTTPConnection("127.0.0.1", srv.port)
        c.request("POST", "/", body=p.body, headers=dict(p.headers))
        r = c.getresponse()
        answers[name] = (r.status, r.read())
    assert answers["lax"][0] == 200 and b"TableNames" in answers["lax"][1]
    assert answers["strict"][0] in (400, 403), answers["strict"]

    # S3 refuses the same mismatch with auth.strict off too.
    make_client(server).create_bucket(Bucket="claims")
    req = AWSRequest(method="PUT", url=f"{server.url}/claims/k", data=b"real body")
    ClaimingSigner(wrong, creds, "s3", "us-east-1").add_auth(req)
    p = req.prepare()
    c = http.client.HTTPConnection("127.0.0.1", server.port)
    c.request("PUT", "/claims/k", body=p.body, headers=dict(p.headers))
    r = c.getresponse()
    assert r.status == 400 and b"XAmzContentSHA256Mismatch" in r.read()
