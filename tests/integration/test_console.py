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
    assert [r["id"] for r in after["requests"]] == [r["id"] for r in listed["requests"] if r["id"] > put["id"]]
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
    import threading
    result = {}

    def follow():
        r, body = raw(server, "GET", "/_fogbank/requests/events", headers={"Last-Event-ID": str(last)})
        result["r"], result["body"] = r, body.decode()

    t = threading.Thread(target=follow)
    started = time.time()
    t.start()
    time.sleep(0.3)
    s3.put_object(Bucket="live", Key="k", Body=b"x")
    t.join(10)
    assert not t.is_alive() and time.time() - started < 5
    r, body = result["r"], result["body"]
    assert r.status == 200 and r.getheader("Content-Type") == "text/event-stream"
    assert body.startswith("retry: 100\n")
    events = [json.loads(line[len("data: "):]) for line in body.splitlines() if line.startswith("data: ")]
    ids = [int(line[len("id: "):]) for line in body.splitlines() if line.startswith("id: ")]
    assert events and events[0]["operation"] == "PutObject" and ids[0] == events[0]["id"] > last


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
