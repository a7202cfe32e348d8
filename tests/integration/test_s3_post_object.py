"""Browser uploads (POST Object): boto3's generate_presigned_post sent exactly as a browser form
sends it (multipart/form-data, fields in the form's order, the file last), on the default server
and, with the signature checked, on a strict one; SigV4 and SigV2 policies, the policy's
conditions, redirects and status codes, and every refusal."""
import base64
import hashlib
import json
import urllib.parse

import pytest

from conftest import ACCESS_KEY, SECRET_KEY, Server, make_client, raw, strict_config

BOUNDARY = "----WebKitFormBoundary7MA4YWxkTrZu0gW"


def form_body(fields, file_bytes, filename="photo.jpg", file_type="image/jpeg"):
    """What Chromium sends for <form enctype="multipart/form-data">: one part per field in
    document order, the file last."""
    out = b""
    for name, value in fields:
        out += (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
                f"{value}\r\n").encode()
    out += (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"{filename}\"\r\nContent-Type: {file_type}\r\n\r\n").encode()
    out += file_bytes + f"\r\n--{BOUNDARY}--\r\n".encode()
    return out


def post(server, url, fields, file_bytes=b"\xff\xd8 jpeg bytes", **kw):
    body = form_body(list(fields.items()) if isinstance(fields, dict) else fields, file_bytes, **kw)
    path = urllib.parse.urlparse(url).path or "/"
    return raw(server, "POST", path, body, {
        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
        "Origin": "http://localhost:3000"})


@pytest.fixture
def s3(server):
    # SigV4 policies, as current SDKs sign them (Debian's botocore defaults to SigV2 here).
    return make_client(server, signature_version="s3v4")


@pytest.fixture
def bucket(s3):
    s3.create_bucket(Bucket="uploads")
    return "uploads"


def test_presigned_post_upload(server, s3, bucket):
    p = s3.generate_presigned_post(bucket, "users/42/${filename}",
                                   Fields={"Content-Type": "image/jpeg", "x-amz-meta-owner": "42"},
                                   Conditions=[["starts-with", "$key", "users/42/"],
                                               {"Content-Type": "image/jpeg"},
                                               {"x-amz-meta-owner": "42"},
                                               ["content-length-range", 1, 1024 * 1024]],
                                   ExpiresIn=300)
    assert p["fields"]["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    r, data = post(server, p["url"], p["fields"], b"\xff\xd8 a photo")
    assert r.status == 204 and data == b""
    assert r.getheader("ETag") == '"%s"' % hashlib.md5(b"\xff\xd8 a photo").hexdigest()
    assert r.getheader("Location").endswith("/uploads/users/42/photo.jpg")
    got = s3.get_object(Bucket=bucket, Key="users/42/photo.jpg")
    assert got["Body"].read() == b"\xff\xd8 a photo"
    assert got["ContentType"] == "image/jpeg" and got["Metadata"] == {"owner": "42"}


def test_status_and_redirect(server, s3, bucket):
    p = s3.generate_presigned_post(bucket, "a.txt", Fields={"success_action_status": "201"},
                                   Conditions=[{"success_action_status": "201"}])
    r, data = post(server, p["url"], p["fields"], b"hello")
    assert r.status == 201 and b"<Key>a.txt</Key>" in data and b"<Bucket>uploads</Bucket>" in data
    assert b'<ETag>"5d41402abc4b2a76b9719d911017c592"</ETag>' in data
    p = s3.generate_presigned_post(bucket, "b.txt", Fields={"success_action_status": "200"},
                                   Conditions=[{"success_action_status": "200"}])
    r, data = post(server, p["url"], p["fields"], b"x")
    assert r.status == 200 and data == b""
    p = s3.generate_presigned_post(bucket, "c.txt",
                                   Fields={"success_action_redirect": "http://localhost:3000/done"},
                                   Conditions=[{"success_action_redirect": "http://localhost:3000/done"}])
    r, _ = post(server, p["url"], p["fields"], b"y")
    assert r.status == 303
    loc = urllib.parse.urlparse(r.getheader("Location"))
    q = urllib.parse.parse_qs(loc.query)
    assert loc.path == "/done" and q["bucket"] == ["uploads"] and q["key"] == ["c.txt"]
    assert q["etag"] == ['"%s"' % hashlib.md5(b"y").hexdigest()]


def test_large_file_is_spooled(server, s3, bucket):
    big = bytes(range(256)) * 8192  # 2 MiB, past the in-memory threshold
    p = s3.generate_presigned_post(bucket, "big.bin")
    r, _ = post(server, p["url"], p["fields"], big)
    assert r.status == 204
    assert s3.get_object(Bucket=bucket, Key="big.bin")["Body"].read() == big
    assert s3.head_object(Bucket=bucket, Key="big.bin")["ETag"] == '"%s"' % hashlib.md5(big).hexdigest()


def test_sigv2_policy(server, bucket):
    c = make_client(server, signature_version="s3")
    p = c.generate_presigned_post(bucket, "v2.txt")
    assert "AWSAccessKeyId" in p["fields"] and "signature" in p["fields"]
    r, _ = post(server, p["url"], p["fields"], b"v2")
    assert r.status == 204


@pytest.mark.parametrize("change,code,status", [
    (lambda f: f.update(key="other/x.txt"), "AccessDenied", 403),      # starts-with $key fails
    (lambda f: f.update({"x-amz-meta-extra": "1"}), "AccessDenied", 403),  # a field no condition names
    (lambda f: f.pop("key"), "InvalidArgument", 400),
    (lambda f: f.update(policy="!!!"), "InvalidPolicyDocument", 400),
    (lambda f: f.update(policy=base64.b64encode(b"[1]").decode()), "InvalidPolicyDocument", 400),
    (lambda f: f.update(policy=base64.b64encode(json.dumps(
        {"expiration": "2001-01-01T00:00:00Z", "conditions": []}).encode()).decode()), "AccessDenied", 403),
    (lambda f: f.update(policy=base64.b64encode(json.dumps(
        {"conditions": []}).encode()).decode()), "InvalidPolicyDocument", 400),
])
def test_refusals(server, s3, bucket, change, code, status):
    p = s3.generate_presigned_post(bucket, "in/${filename}",
                                   Conditions=[["starts-with", "$key", "in/"]])
    fields = dict(p["fields"])
    change(fields)
    r, data = post(server, p["url"], fields, b"z")
    assert r.status == status and f"<Code>{code}</Code>".encode() in data, data


def test_size_range_and_form_shape(server, s3, bucket):
    p = s3.generate_presigned_post(bucket, "sized", Conditions=[["content-length-range", 2, 4]])
    r, data = post(server, p["url"], p["fields"], b"12345")
    assert r.status == 400 and b"<Code>EntityTooLarge</Code>" in data
    r, data = post(server, p["url"], p["fields"], b"1")
    assert r.status == 400 and b"<Code>EntityTooSmall</Code>" in data
    # No file part.
    body = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nk\r\n"
            f"--{BOUNDARY}--\r\n").encode()
    r, data = raw(server, "POST", "/uploads", body,
                  {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})
    assert r.status == 400 and b"<Code>InvalidArgument</Code>" in data
    # Not a form at all, and a form that never closes.
    r, data = raw(server, "POST", "/uploads", b"key=k", {"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 412 and b"<Code>PreconditionFailed</Code>" in data
    r, data = raw(server, "POST", "/uploads", form_body([("key", "k")], b"x")[:-30],
                  {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})
    assert r.status == 400 and b"<Code>MalformedPOSTRequest</Code>" in data
    r, data = raw(server, "POST", "/no-such-uploads", form_body([("key", "k")], b"x"),
                  {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})
    assert r.status == 404 and b"<Code>NoSuchBucket</Code>" in data


def test_notification_for_post(server, s3, sqs, bucket):
    q = sqs.create_queue(QueueName="posted")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:Post"]}]})
    p = s3.generate_presigned_post(bucket, "note.txt")
    assert post(server, p["url"], p["fields"], b"n")[0].status == 204
    msgs = []
    for _ in range(5):
        msgs += sqs.receive_message(QueueUrl=q, WaitTimeSeconds=1).get("Messages", [])
        records = [r for m in msgs for r in json.loads(m["Body"]).get("Records", [])]
        if records:
            break
    assert [(r["eventName"], r["s3"]["object"]["key"]) for r in records] == [("ObjectCreated:Post", "note.txt")]


# --- the signature checked (strict authentication) ---

@pytest.fixture(scope="module")
def strict():
    s = Server(config=strict_config())
    yield s
    s.cleanup()


@pytest.mark.parametrize("version", ["s3v4", "s3"])
def test_strict_signature(strict, version):
    strict.reset()
    # Requests are SigV4; only the form's policy is signed the `version` way.
    c = make_client(strict, access_key=ACCESS_KEY, secret=SECRET_KEY)
    signer = make_client(strict, access_key=ACCESS_KEY, secret=SECRET_KEY,
                         signature_version=version)
    c.create_bucket(Bucket="signed-uploads")
    p = signer.generate_presigned_post("signed-uploads", "ok.txt")
    assert ("x-amz-signature" if version == "s3v4" else "signature") in p["fields"]
    r, _ = post(strict, p["url"], p["fields"], b"signed")
    assert r.status == 204
    assert c.get_object(Bucket="signed-uploads", Key="ok.txt")["Body"].read() == b"signed"
    forged = make_client(strict, access_key=ACCESS_KEY, secret="not-the-secret",
                         signature_version=version)
    p = forged.generate_presigned_post("signed-uploads", "forged.txt")
    r, data = post(strict, p["url"], p["fields"], b"forged")
    assert r.status == 403 and b"<Code>SignatureDoesNotMatch</Code>" in data
    p = make_client(strict, access_key="AKIDNOBODY", secret="x",
                    signature_version=version).generate_presigned_post(
        "signed-uploads", "n.txt")
    r, data = post(strict, p["url"], p["fields"], b"n")
    assert r.status == 403 and b"<Code>InvalidAccessKeyId</Code>" in data
    # An unsigned form is anonymous: refused without a policy that lets anyone write.
    r, data = post(strict, "/signed-uploads", {"key": "anon.txt"}, b"a")
    assert r.status == 403 and b"<Code>AccessDenied</Code>" in data
    c.delete_public_access_block(Bucket="signed-uploads")
    c.put_bucket_policy(Bucket="signed-uploads", Policy=json.dumps({"Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "s3:PutObject",
        "Resource": "arn:aws:s3:::signed-uploads/drop/*"}]}))
    r, _ = post(strict, "/signed-uploads", {"key": "drop/anon.txt"}, b"a")
    assert r.status == 204
    assert c.get_object(Bucket="signed-uploads", Key="drop/anon.txt")["Body"].read() == b"a"
