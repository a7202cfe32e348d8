"""The core server: admin API, routing, HTTP behaviour (keep-alive, pipelining, limits,
virtual-hosted addressing), persistence across kill -9, graceful shutdown."""
import http.client
import json
import os
import pathlib
import signal
import socket
import threading
import time

import pytest
from botocore.exceptions import ClientError

from conftest import Server, error_of, make_client, raw


def test_health_and_reset(server, s3):
    r, data = raw(server, "GET", "/_fogbank/health")
    health = json.loads(data)
    assert r.status == 200 and health["status"] == "ok" and health["version"]
    assert health["services"]["s3"] == "running"
    s3.create_bucket(Bucket="before-reset")
    r, data = raw(server, "POST", "/_fogbank/reset")
    assert r.status == 200 and "s3" in json.loads(data)["reset"]
    assert s3.list_buckets()["Buckets"] == []
    r, _ = raw(server, "GET", "/_fogbank/nothing")
    assert r.status == 404


def test_unknown_target_and_unserved_service(server):
    r, data = raw(server, "POST", "/", body=b"{}", headers={"X-Amz-Target": "NoSuchService_2020.DoThing",
                                                          "Content-Type": "application/x-amz-json-1.0"})
    assert r.status == 400 and json.loads(data)["__type"] == "UnknownOperationException"
    # A client signing for a service fogbank does not serve yet gets a clear JSON error.
    auth = ("AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/kinesis/aws4_request, "
            "SignedHeaders=host;x-amz-date, Signature=00")
    r, data = raw(server, "POST", "/", body=b"{}", headers={"Authorization": auth, "X-Amz-Date": "20260101T000000Z"})
    assert r.status == 400 and json.loads(data)["__type"] == "UnrecognizedServiceException"
    auth = auth.replace("/kinesis/", "/sns/")
    r, data = raw(server, "POST", "/", body=b"Action=ListTopics&Version=2010-03-31",
                  headers={"Authorization": auth, "X-Amz-Date": "20260101T000000Z",
                           "Content-Type": "application/x-www-form-urlencoded"})
    # Asked in the query protocol, answered in it: SNS's own client reads the error.
    assert r.status == 501 and b"<Code>ServiceNotAvailable</Code>" in data and b"<ErrorResponse" in data
    sns = make_client(server, "sns")
    with pytest.raises(ClientError) as e:
        sns.list_topics()
    assert error_of(e) == ("ServiceNotAvailable", 501)


def test_virtual_hosted_style(server, s3):
    s3.create_bucket(Bucket="vhost")
    for host in ["vhost.localhost", f"vhost.localhost:{server.port}", "vhost.s3.localhost"]:
        r, _ = raw(server, "PUT", "/dir/key.txt", body=b"hello " + host.encode(), headers={"Host": host})
        assert r.status == 200, host
        r, data = raw(server, "GET", "/dir/key.txt", headers={"Host": host})
        assert data == b"hello " + host.encode()
    assert s3.get_object(Bucket="vhost", Key="dir/key.txt")["Body"].read() == b"hello vhost.s3.localhost"
    r, data = raw(server, "GET", "/?list-type=2", headers={"Host": "vhost.s3.localhost"})
    assert b"<Key>dir/key.txt</Key>" in data
    # The bare service host lists buckets.
    r, data = raw(server, "GET", "/", headers={"Host": "s3.localhost"})
    assert b"<Name>vhost</Name>" in data


def test_keep_alive_and_pipelining(server, s3):
    s3.create_bucket(Bucket="pipe")
    s3.put_object(Bucket="pipe", Key="a", Body=b"AAA")
    s3.put_object(Bucket="pipe", Key="b", Body=b"BB")
    sock = socket.create_connection(("127.0.0.1", server.port))
    # Three requests in one write: the answers must come back in order on the same connection.
    sock.sendall(b"GET /pipe/a HTTP/1.1\r\nHost: x\r\n\r\n"
                 b"GET /pipe/b HTTP/1.1\r\nHost: x\r\n\r\n"
                 b"GET /pipe/missing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    data = b""
    sock.settimeout(5)
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    sock.close()
    parts = data.split(b"HTTP/1.1 ")[1:]
    assert [p[:3] for p in parts] == [b"200", b"200", b"404"]
    assert parts[0].endswith(b"AAA") and parts[1].endswith(b"BB") and b"<Code>NoSuchKey</Code>" in parts[2]


def test_header_limit(server):
    r, _ = raw(server, "GET", "/", headers={"X-Big": "x" * 100_000})
    assert r.status == 431


def test_error_bodies_carry_request_id(server):
    r, data = raw(server, "GET", "/no-such-bucket/key")
    assert r.status == 404
    rid = r.getheader("x-amz-request-id")
    assert rid and f"<RequestId>{rid}</RequestId>".encode() in data
    assert b"<Code>NoSuchBucket</Code>" in data and b"<BucketName>no-such-bucket</BucketName>" in data


def test_method_not_allowed(server, s3):
    s3.create_bucket(Bucket="methods")
    r, data = raw(server, "PATCH", "/methods/key")
    assert r.status == 405 and b"MethodNotAllowed" in data


def test_persistence_survives_kill_9(tmp_path):
    data_dir = tmp_path / "state"
    srv = Server(data_dir=data_dir)
    try:
        s3 = make_client(srv)
        s3.create_bucket(Bucket="durable")
        body = os.urandom(300_000)
        s3.put_object(Bucket="durable", Key="k", Body=body, Metadata={"m": "1"})
        uid = s3.create_multipart_upload(Bucket="durable", Key="mp")["UploadId"]
        s3.upload_part(Bucket="durable", Key="mp", UploadId=uid, PartNumber=1, Body=b"part")
        srv.proc.send_signal(signal.SIGKILL)
        srv.proc.wait()
        srv.log.close()
        srv.start()
        s3 = make_client(srv)
        got = s3.get_object(Bucket="durable", Key="k")
        assert got["Body"].read() == body and got["Metadata"] == {"m": "1"}
        assert [p["PartNumber"] for p in s3.list_parts(Bucket="durable", Key="mp", UploadId=uid)["Parts"]] == [1]
    finally:
        srv.cleanup()


def test_ephemeral_state_is_gone_after_restart():
    srv = Server()
    try:
        make_client(srv).create_bucket(Bucket="ephemeral")
        srv.stop()
        srv.start()
        assert make_client(srv).list_buckets()["Buckets"] == []
    finally:
        srv.cleanup()


def test_sigterm_lets_in_flight_request_finish():
    srv = Server()
    try:
        make_client(srv).create_bucket(Bucket="drain")
        sock = socket.create_connection(("127.0.0.1", srv.port))
        body = b"z" * 200_000
        sock.sendall(b"PUT /drain/slow HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body) + body[:1000])
        time.sleep(0.2)
        srv.proc.send_signal(signal.SIGTERM)
        time.sleep(0.2)
        assert srv.proc.poll() is None, "server quit with a request in flight"
        sock.sendall(body[1000:])
        sock.settimeout(10)
        resp = sock.recv(4096)
        assert resp.startswith(b"HTTP/1.1 200"), resp
        sock.close()
        assert srv.proc.wait(timeout=10) == 0
        assert "stopping after 1 in-flight" in srv.logs()
    finally:
        srv.cleanup()


def test_request_log_line(server, s3):
    s3.create_bucket(Bucket="logged")
    time.sleep(0.1)
    assert any("s3 CreateBucket 200" in line and "ms" in line for line in server.logs().splitlines())


def test_config_file_and_environment(tmp_path):
    srv = Server(config="log_level: warn\nauth:\n  default_account: '123456789012'\n",
                 env={"FOGBANK_DEFAULT_REGION": "eu-central-1"})
    try:
        r, data = raw(srv, "GET", "/")  # unsigned: default account and region apply
        assert r.status == 200 and b"<ID>123456789012</ID>" in data
        # FOGBANK_DEFAULT_REGION makes unsigned CreateBucket regional: no constraint is an error there.
        r, data = raw(srv, "PUT", "/unsigned-bucket")
        assert r.status == 400 and b"IllegalLocationConstraintException" in data
        assert "CreateBucket" not in srv.logs()  # warn level hides request lines
    finally:
        srv.cleanup()


def test_stalled_upload_is_dropped_and_server_keeps_serving():
    srv = Server(config="server:\n  idle_timeout_seconds: 1\n")
    try:
        s3 = make_client(srv)
        s3.create_bucket(Bucket="stall")
        sock = socket.create_connection(("127.0.0.1", srv.port))
        sock.sendall(b"PUT /stall/k HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" + b"x" * 10)
        sock.settimeout(5)
        started = time.time()
        assert sock.recv(4096) == b""  # closed by the server, no answer for a body that never came
        assert 0.9 <= time.time() - started < 4
        sock.close()
        with pytest.raises(Exception):
            s3.head_object(Bucket="stall", Key="k")
        s3.put_object(Bucket="stall", Key="k", Body=b"fine")
        assert s3.get_object(Bucket="stall", Key="k")["Body"].read() == b"fine"
        assert not list(pathlib.Path(srv.tmp).glob("**/spool-*"))
    finally:
        srv.cleanup()


def test_truncated_aws_chunked_body_is_incomplete(server, s3):
    s3.create_bucket(Bucket="trunc")
    body = b"5\r\nhello\r\n"  # no final chunk
    r, data = raw(server, "PUT", "/trunc/k", body=body, headers={
        "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "Content-Encoding": "aws-chunked",
        "x-amz-decoded-content-length": "5"})
    assert r.status == 400 and b"<Code>IncompleteBody</Code>" in data
    r, data = raw(server, "PUT", "/trunc/k2", body=b"zz\r\nhello\r\n0\r\n\r\n", headers={
        "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "Content-Encoding": "aws-chunked"})
    assert r.status == 400 and b"<Code>InvalidRequest</Code>" in data


def test_unsigned_trailer_checksum_is_checked(server, s3):
    import base64
    import zlib
    s3.create_bucket(Bucket="trail")
    good = base64.b64encode(zlib.crc32(b"hello").to_bytes(4, "big")).decode()
    for value, status in [(good, 200), (base64.b64encode(b"\0\0\0\0").decode(), 400)]:
        body = b"5\r\nhello\r\n0\r\nx-amz-checksum-crc32:" + value.encode() + b"\r\n\r\n"
        r, data = raw(server, "PUT", "/trail/k", body=body, headers={
            "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "Content-Encoding": "aws-chunked",
            "x-amz-trailer": "x-amz-checksum-crc32", "x-amz-decoded-content-length": "5"})
        assert r.status == status, data
        if status == 400:
            assert b"<Code>BadDigest</Code>" in data
    got = s3.get_object(Bucket="trail", Key="k", ChecksumMode="ENABLED")
    assert got["Body"].read() == b"hello" and got["ChecksumCRC32"] == good


def test_second_server_on_same_data_dir_is_refused(tmp_path):
    srv = Server(data_dir=tmp_path / "shared")
    try:
        import subprocess
        from conftest import BINARY, free_port
        p = subprocess.run([str(BINARY), "serve", "--port", str(free_port()), "--data-dir", str(tmp_path / "shared")],
                           capture_output=True, text=True, timeout=30)
        assert p.returncode != 0 and "in use by another fogbank process" in p.stderr
        make_client(srv).list_buckets()  # the first one is unaffected
    finally:
        srv.cleanup()
