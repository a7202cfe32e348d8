"""The web console and the request log it reads: files served under a strict CSP, the log
recording what clients did (secrets masked), live over server-sent events, cross-origin state
changes refused, and the console off on a non-loopback address unless a token is set. The
browser itself is tested in test_console_browser.py."""
import json
import time

import pytest

from conftest import Server, make_client, raw


def get_json(server, path, headers=None):
    r, body = raw(server, "GET", path, headers=headers)
    return r.status, json.loads(body) if body else None


def test_console_files_are_served_with_a_strict_policy(server):
    r, body = raw(server, "GET", "/_fogbank/ui/")
    assert r.status == 200 and r.getheader("Content-Type").startswith("text/html")
    assert b'<script type="module" src="app.js">' in body
    csp = r.getheader("Content-Security-Policy")
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert r.getheader("X-Frame-Options") == "DENY" and r.getheader("X-Content-Type-Options") == "nosniff"
    r, body = raw(server, "GET", "/_fogbank/ui/app.js")
    assert r.status == 200 and r.getheader("Content-Type").startswith("text/javascript")
    assert b"import" in body
    r, _ = raw(server, "GET", "/_fogbank/ui")
    assert r.status == 302 and r.getheader("Location") == "/_fogbank/ui/"
    r, body = raw(server, "GET", "/_fogbank/ui/nothing.js")
    assert r.status == 404 and json.loads(body)["error"] == "NotFound"
    r, _ = raw(server, "POST", "/_fogbank/ui/app.js")
    assert r.status == 405


def test_the_log_records_requests_with_secrets_masked(server):
    raw(server, "DELETE", "/_fogbank/requests")
    s3 = make_client(server, "s3")
    s3.create_bucket(Bucket="logged")
    s3.put_object(Bucket="logged", Key="note.txt", Body=b"hello log")
    sts = make_client(server, "sts")
    key = sts.assume_role(RoleArn="arn:aws:iam::000000000000:role/console",
                          RoleSessionName="console")["Credentials"]
    status, listed = get_json(server, "/_fogbank/requests")
    assert status == 200
    ops = [(r["service"], r["operation"], r["status"]) for r in listed["requests"]]
    assert ("s3", "CreateBucket", 200) in ops and ("s3", "PutObject", 200) in ops
    assert ("sts", "AssumeRole", 200) in ops
    assert all(r["service"] != "console" for r in listed["requests"])  # its own reads are not logged
    put = next(r for r in listed["requests"] if r["operation"] == "PutObject")
    assert put["target"] == "/logged/note.txt" and put["account"] == "000000000000" and put["latency_ms"] >= 0
    status, detail = get_json(server, f"/_fogbank/requests/{put['id']}")
    assert detail["request_body"] == "hello log" and detail["request_size"] == 9
    assert "Signature=****" in detail["request_headers"]
    assert "Credential=test/" in detail["request_headers"]  # the key id stays visible
    assumed = next(r for r in listed["requests"] if r["operation"] == "AssumeRole")
    _, detail = get_json(server, f"/_fogbank/requests/{assumed['id']}")
    body = detail["response_body"]
    assert key["SecretAccessKey"] not in body and key["SessionToken"] not in body
    assert "<SecretAccessKey>****</SecretAccessKey>" in body and "<SessionToken>****</SessionToken>" in body
    assert key["AccessKeyId"] in body
    # Paging and the errors of the log's own API.
    status, after = get_json(server, f"/_fogbank/requests?after={put['id']}")
    expected = [r["id"] for r in listed["requests"] if r["id"] > put["id"]]
    got = [r["id"] for r in after["requests"]]
    assert got[:len(expected)] == expected  # and whatever was answered since
    assert get_json(server, "/_fogbank/requests/999999")[0] == 404
    assert get_json(server, "/_fogbank/requests?after=x")[0] == 400


def test_binary_bodies_are_named_by_size(server):
    s3 = make_client(server, "s3")
    s3.create_bucket(Bucket="binary")
    s3.put_object(Bucket="binary", Key="b", Body=b"\x00\x01" * 100)
    _, listed = get_json(server, "/_fogbank/requests")
    put = [r for r in listed["requests"] if r["operation"] == "PutObject"][-1]
    _, detail = get_json(server, f"/_fogbank/requests/{put['id']}")
    assert detail["request_body"] == "(200 bytes, binary)"


def test_server_sent_events_follow_the_log(server):
    s3 = make_client(server, "s3")
    s3.create_bucket(Bucket="live")
    _, listed = get_json(server, "/_fogbank/requests")
    last = listed["last"]
    # Nothing new: the stream waits; a request in the meantime is sent as soon as it is answered.
    # Each answer ends, and the client asks again from the last id it saw, as EventSource does.
    # Other requests may come in between (a Lambda sandbox of an earlier test polling its
    # Runtime API), so it follows until the PutObject arrives.
    import threading
    result = {"events": [], "answers": []}

    def follow():
        seen = last
        deadline = time.time() + 8
        while time.time() < deadline:
            r, body = raw(server, "GET", "/_fogbank/requests/events",
                          headers={"Last-Event-ID": str(seen)})
            text = body.decode()
            result["answers"].append((r.status, r.getheader("Content-Type"), text))
            events = [json.loads(l[len("data: "):]) for l in text.splitlines() if l.startswith("data: ")]
            ids = [int(l[len("id: "):]) for l in text.splitlines() if l.startswith("id: ")]
            assert ids == [e["id"] for e in events]
            result["events"] += events
            if ids:
                seen = ids[-1]
            if any(e["operation"] == "PutObject" and e["target"] == "/live/k" for e in events):
                return

    t = threading.Thread(target=follow)
    started = time.time()
    t.start()
    time.sleep(0.3)
    s3.put_object(Bucket="live", Key="k", Body=b"x")
    t.join(10)
    assert not t.is_alive() and time.time() - started < 5
    for status, kind, text in result["answers"]:
        assert status == 200 and kind == "text/event-stream" and text.startswith("retry: 100\n")
    ids = [e["id"] for e in result["events"]]
    assert ids and ids == sorted(set(ids)) and ids[0] > last  # each once, in order
    assert result["events"][-1]["operation"] == "PutObject"


def test_cross_origin_state_changes_are_refused(server):
    for path in ("/_fogbank/reset", "/_fogbank/clock"):
        r, body = raw(server, "POST", path, body=b'{"advance_seconds": 1}',
                      headers={"Origin": "http://evil.example", "Content-Type": "application/json"})
        assert r.status == 403 and json.loads(body)["error"] == "Forbidden"
        r, _ = raw(server, "POST", path, body=b'{"advance_seconds": 1}',
                   headers={"Sec-Fetch-Site": "cross-site"})
        assert r.status == 403
    r, _ = raw(server, "DELETE", "/_fogbank/requests", headers={"Origin": "http://evil.example"})
    assert r.status == 403
    # The console's own origin, and clients that are not browsers, may.
    r, _ = raw(server, "POST", "/_fogbank/reset", headers={"Origin": f"http://127.0.0.1:{server.port}"})
    assert r.status == 200
    r, _ = raw(server, "DELETE", "/_fogbank/requests")
    assert r.status == 200


def test_console_off_on_a_public_address_without_a_token():
    srv = Server(extra_args=["--host", "0.0.0.0"])
    try:
        r, body = raw(srv, "GET", "/_fogbank/ui/")
        assert r.status == 404 and json.loads(body)["error"] == "ConsoleDisabled"
        assert raw(srv, "GET", "/_fogbank/requests")[0].status == 404
        make_client(srv, "s3").list_buckets()  # the AWS APIs are unaffected
    finally:
        srv.cleanup()


def test_console_token_on_a_public_address():
    srv = Server(extra_args=["--host", "0.0.0.0"], env={"FOGBANK_CONSOLE_TOKEN": "s3cret-token"})
    try:
        assert raw(srv, "GET", "/_fogbank/ui/")[0].status == 401
        assert raw(srv, "GET", "/_fogbank/ui/?token=wrong")[0].status == 401
        assert raw(srv, "GET", "/_fogbank/requests")[0].status == 401
        r, _ = raw(srv, "GET", "/_fogbank/ui/?token=s3cret-token")
        assert r.status == 200
        cookie = r.getheader("Set-Cookie")
        assert cookie.startswith("fogbank_console=s3cret-token;") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
        jar = {"Cookie": cookie.split(";")[0]}
        assert raw(srv, "GET", "/_fogbank/ui/app.js", headers=jar)[0].status == 200
        assert raw(srv, "GET", "/_fogbank/requests", headers=jar)[0].status == 200
        r, _ = raw(srv, "GET", "/_fogbank/requests", headers={"X-Fogbank-Console-Token": "s3cret-token"})
        assert r.status == 200
        assert raw(srv, "GET", "/_fogbank/requests", headers={"Cookie": "fogbank_console=nope"})[0].status == 401
    finally:
        srv.cleanup()


def test_console_can_be_switched_off(tmp_path):
    srv = Server(env={"FOGBANK_CONSOLE": "0"})
    try:
        assert raw(srv, "GET", "/_fogbank/ui/")[0].status == 404
        health = json.loads(raw(srv, "GET", "/_fogbank/health")[1])
        assert health["services"]["console"] == "disabled"
    finally:
        srv.cleanup()


def signed_raw(server, service, path, params):
    """A GET signed for `service` with the test credentials, as the console sends it:
    (response, body bytes)."""
    import urllib.parse
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    target = path + "?" + urllib.parse.urlencode(params)
    req = AWSRequest(method="GET", url=server.url + target)
    SigV4Auth(Credentials("test", "test"), service, "us-east-1").add_auth(req)
    return raw(server, "GET", target, headers=dict(req.headers))


def signed_get(server, service, path, params):
    r, body = signed_raw(server, service, path, params)
    return r, json.loads(body) if body else None


def test_peeking_at_a_queue_changes_nothing(server):
    sqs = make_client(server, "sqs")
    url = sqs.create_queue(QueueName="peeked")["QueueUrl"]
    for body in ("one", "two", "three"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=60)
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=60)["Messages"]
    assert got[0]["Body"] == "one"
    for _ in range(2):  # twice: the first look changed nothing the second sees
        r, out = signed_get(server, "sqs", "/_fogbank/sqs/messages", {"QueueUrl": url})
        assert r.status == 200 and out["Total"] == 4
        states = [(m["Body"], m["State"], m["ReceiveCount"]) for m in out["Messages"]]
        assert states == [("one", "InFlight", 1), ("two", "Visible", 0), ("three", "Visible", 0),
                          ("later", "Delayed", 0)]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["ApproximateNumberOfMessages"] == "2" and attrs["ApproximateNumberOfMessagesNotVisible"] == "1"
    again = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                AttributeNames=["ApproximateReceiveCount"])["Messages"]
    assert [m["Body"] for m in again] == ["two", "three"]
    assert all(m["Attributes"]["ApproximateReceiveCount"] == "1" for m in again)
    r, out = signed_get(server, "sqs", "/_fogbank/sqs/messages", {"QueueUrl": url, "MaxMessages": "1"})
    assert len(out["Messages"]) == 1


def test_peek_errors(server):
    sqs = make_client(server, "sqs")
    url = sqs.create_queue(QueueName="peek-errors")["QueueUrl"]
    r, out = signed_get(server, "sqs", "/_fogbank/sqs/messages", {"QueueUrl": url + "-nope"})
    assert r.status == 400 and out["__type"] == "com.amazonaws.sqs#QueueDoesNotExist"
    for bad in ("0", "1001", "x", ""):
        r, out = signed_get(server, "sqs", "/_fogbank/sqs/messages", {"QueueUrl": url, "MaxMessages": bad})
        assert r.status == 400 and "InvalidParameterValue" in out["__type"], bad
    r, _ = raw(server, "POST", "/_fogbank/sqs/messages")
    assert r.status == 405
    # Not an SQS operation on the AWS wire.
    r, body = raw(server, "POST", "/", body=json.dumps({"QueueUrl": url}),
                  headers={"X-Amz-Target": "AmazonSQS.PeekMessages",
                           "Content-Type": "application/x-amz-json-1.0"})
    assert r.status == 400 and b"UnknownOperation" in body


def test_recent_invocations_of_a_function(server):
    from conftest import create_function
    lam = make_client(server, "lambda", read_timeout=120)
    create_function(lam, "recent-fn", {"app.py": (
        "def handler(event, context):\n"
        "    print('saw', event.get('n'))\n"
        "    if event.get('fail'):\n"
        "        raise ValueError('asked to')\n"
        "    return event\n")})
    lam.invoke(FunctionName="recent-fn", Payload=b'{"n": 1}')
    lam.invoke(FunctionName="recent-fn", Payload=b'{"n": 2, "fail": true}')
    lam.invoke(FunctionName="recent-fn", InvocationType="Event", Payload=b'{"n": 3}')
    deadline = time.time() + 20
    while True:
        r, out = signed_get(server, "lambda", "/_fogbank/lambda/invocations", {"FunctionName": "recent-fn"})
        assert r.status == 200
        if len(out["Invocations"]) == 3 or time.time() > deadline:
            break
        time.sleep(0.1)
    inv = out["Invocations"]  # newest first
    assert [i["Status"] for i in inv] == ["Succeeded", "Failed", "Succeeded"]
    assert "saw 3" in inv[0]["LogTail"] and "saw 2" in inv[1]["LogTail"] and "saw 1" in inv[2]["LogTail"]
    assert inv[1]["ErrorType"] == "ValueError" and inv[1]["FunctionError"] == "Unhandled"
    assert all(i["DurationMs"] > 0 and i["LogTail"].startswith("START RequestId: " + i["RequestId"]) for i in inv)
    r, out = signed_get(server, "lambda", "/_fogbank/lambda/invocations", {"FunctionName": "no-such-fn"})
    assert r.status == 404 and r.getheader("x-amzn-ErrorType").startswith("ResourceNotFoundException")
    r, _ = signed_get(server, "lambda", "/_fogbank/lambda/invocations", {})
    assert r.status == 400


def test_indexed_faces_keep_a_crop(server):
    import cv2
    import numpy as np
    from conftest import fixture_bytes
    rek = make_client(server, "rekognition")
    rek.create_collection(CollectionId="crops")
    out = rek.index_faces(CollectionId="crops", ExternalImageId="pair",
                          Image={"Bytes": fixture_bytes("faces/test/obama_and_biden.jpg")})
    ids = [r["Face"]["FaceId"] for r in out["FaceRecords"]]
    assert len(ids) == 2

    def crop(params):
        return signed_raw(server, "rekognition", "/_fogbank/rekognition/face-crop", params)

    shapes = []
    for face_id in ids:
        r, body = crop({"CollectionId": "crops", "FaceId": face_id})
        assert r.status == 200 and r.getheader("Content-Type") == "image/jpeg"
        img = cv2.imdecode(np.frombuffer(body, np.uint8), cv2.IMREAD_COLOR)
        assert img is not None and max(img.shape[:2]) <= 112 and min(img.shape[:2]) > 20
        shapes.append(img.shape)
    # Two different faces, two different pictures.
    bodies = {crop({"CollectionId": "crops", "FaceId": i})[1] for i in ids}
    assert len(bodies) == 2
    rek.delete_faces(CollectionId="crops", FaceIds=[ids[0]])
    r, body = crop({"CollectionId": "crops", "FaceId": ids[0]})
    assert r.status == 400 and json.loads(body)["__type"] == "ResourceNotFoundException"
    r, body = crop({"CollectionId": "missing", "FaceId": ids[1]})
    assert r.status == 400 and json.loads(body)["__type"] == "ResourceNotFoundException"
    r, body = crop({"CollectionId": "crops"})
    assert r.status == 400 and json.loads(body)["__type"] == "ValidationException"
    r, body = crop({"CollectionId": "crops", "FaceId": "not-a-face-id"})
    assert r.status == 400 and json.loads(body)["__type"] == "ValidationException"


def test_face_crops_survive_kill_9(tmp_path):
    import signal
    from conftest import fixture_bytes
    srv = Server(data_dir=tmp_path / "state")
    try:
        rek = make_client(srv, "rekognition")
        rek.create_collection(CollectionId="kept")
        face_id = rek.index_faces(CollectionId="kept", Image={"Bytes": fixture_bytes("faces/test/obama1.jpg")},
                                  MaxFaces=1)["FaceRecords"][0]["Face"]["FaceId"]

        def crop():
            return signed_raw(srv, "rekognition", "/_fogbank/rekognition/face-crop",
                              {"CollectionId": "kept", "FaceId": face_id})

        r, before = crop()
        assert r.status == 200 and before[:3] == b"\xff\xd8\xff"
        srv.stop(signal.SIGKILL)
        srv.start()
        r, after = crop()
        assert r.status == 200 and after == before
    finally:
        srv.cleanup()
