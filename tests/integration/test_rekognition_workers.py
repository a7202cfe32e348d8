"""Rekognition's models run in fogbank-vision worker processes: a worker that is killed, hangs,
outgrows its memory or cannot start costs only the request it held, and every other request and
service carries on."""
import json
import os
import signal
import struct
import threading
import time
import urllib.request
import zlib

import pytest
from botocore.exceptions import ClientError

from conftest import BINARY, Server, error_of, fixture_bytes, make_client


def rekognition(server):
    """A client that tries once: botocore's own retry of a 500 would hide which request failed."""
    import boto3
    from botocore.config import Config
    return boto3.client("rekognition", endpoint_url=server.url, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test",
                        config=Config(retries={"total_max_attempts": 1}))


def vision_health(server):
    with urllib.request.urlopen(server.url + "/_fogbank/health", timeout=10) as r:
        return json.loads(r.read())["details"]["rekognition"]


def solid_png(width, height):
    """A grey PNG that is small as a file and large decoded (width x height x 3 bytes)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = (b"\x00" + b"\x80" * (width * 3)) * height
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


def test_the_server_links_no_vision_library():
    import subprocess
    libs = subprocess.run(["ldd", str(BINARY)], capture_output=True, text=True, check=True).stdout
    for name in ("opencv", "dnnl", "dlib", "tesseract"):
        assert name not in libs, libs
    assert (BINARY.parent / "fogbank-vision").exists()


def test_workers_start_on_demand_and_show_in_health(tmp_path):
    srv = Server(config="vision:\n  workers: 1\n  idle_seconds: 1\n")
    try:
        # Nothing starts, and not even the manifest is read, before an image needs it.
        assert vision_health(srv)["workers"] == []
        assert vision_health(srv)["models"] == {}
        assert vision_health(srv)["manifest"] == "not read yet"
        rek = rekognition(srv)
        rek.detect_labels(Image={"Bytes": fixture_bytes("objects/eagle.jpg")})
        rek.detect_labels(Image={"Bytes": fixture_bytes("objects/dog.jpg")})
        health = vision_health(srv)
        assert health["max_workers"] == 1
        [worker] = health["workers"]
        assert worker["state"] == "idle" and worker["requests"] == 2 and worker["peak_rss_mib"] > 0
        assert health["models"]["objects"] == "loaded"
        # Idle past idle_seconds, the worker is stopped; the next image starts another.
        deadline = time.time() + 10
        while vision_health(srv)["workers"] and time.time() < deadline:
            time.sleep(0.1)
        assert vision_health(srv)["workers"] == []
        with pytest.raises(OSError):
            os.kill(worker["pid"], 0)
        assert "Bird" in [l["Name"] for l in
                          rek.detect_labels(Image={"Bytes": fixture_bytes("objects/eagle.jpg")})["Labels"]]
    finally:
        srv.cleanup()


def test_a_worker_killed_mid_request_costs_only_that_request():
    srv = Server(config="vision:\n  workers: 1\n")
    try:
        rek = rekognition(srv)
        s3 = make_client(srv, "s3")
        s3.create_bucket(Bucket="still-here")
        outcome = {}

        def slow():
            try:
                rek.detect_text(Image={"Bytes": fixture_bytes("objects/dog.jpg")})
                outcome["answer"] = "ok"
            except ClientError as e:
                outcome["answer"] = (e.response["Error"]["Code"],
                                     e.response["ResponseMetadata"]["HTTPStatusCode"])
                outcome["message"] = str(e)
        t = threading.Thread(target=slow)
        t.start()
        pid = None
        deadline = time.time() + 30
        while pid is None and time.time() < deadline:
            busy = [w for w in vision_health(srv)["workers"] if w["state"] == "busy"]
            pid = busy[0]["pid"] if busy else None
            time.sleep(0.005)
        assert pid, "no worker was ever busy"
        os.kill(pid, signal.SIGKILL)
        t.join(60)
        assert outcome["answer"] == ("InternalServerError", 500), outcome
        assert "signal: Killed" in outcome["message"]
        # Everything else carries on, and the next image gets a new worker.
        assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["still-here"]
        labels = rek.detect_labels(Image={"Bytes": fixture_bytes("objects/eagle.jpg")})["Labels"]
        assert "Bird" in [l["Name"] for l in labels]
        assert [w["pid"] for w in vision_health(srv)["workers"]] != [pid]
    finally:
        srv.cleanup()


def test_a_worker_over_its_memory_limit_is_stopped():
    # The limit is set from what this worker build holds after a small image (a sanitised build
    # holds more), plus less than the 243 MB the large image decodes to.
    probe = Server(config="vision:\n  workers: 1\n")
    try:
        rekognition(probe).detect_moderation_labels(
            Image={"Bytes": fixture_bytes("objects/eagle.jpg")})
        baseline = vision_health(probe)["workers"][0]["peak_rss_mib"]
    finally:
        probe.cleanup()
    srv = Server(config=f"vision:\n  workers: 1\n  worker_memory_mib: {baseline + 100}\n")
    try:
        rek = rekognition(srv)
        assert "ModerationLabels" in rek.detect_moderation_labels(
            Image={"Bytes": fixture_bytes("objects/eagle.jpg")})
        big = solid_png(9000, 9000)
        assert len(big) < 5 * 1024 * 1024
        with pytest.raises(ClientError) as e:
            rek.detect_moderation_labels(Image={"Bytes": big})
        assert error_of(e) == ("InternalServerError", 500)
        assert "over its limit" in str(e.value)
        assert "ModerationLabels" in rek.detect_moderation_labels(
            Image={"Bytes": fixture_bytes("objects/eagle.jpg")})
    finally:
        srv.cleanup()


def test_a_worker_past_the_time_limit_is_stopped():
    srv = Server(config="vision:\n  workers: 1\n  request_timeout_ms: 50\n")
    try:
        rek = rekognition(srv)
        with pytest.raises(ClientError) as e:
            rek.detect_text(Image={"Bytes": fixture_bytes("objects/dog.jpg")})
        assert error_of(e) == ("InternalServerError", 500)
        assert "did not answer within 50 ms" in str(e.value)
        assert make_client(srv, "s3").list_buckets()["Buckets"] == []
    finally:
        srv.cleanup()


def test_no_worker_that_can_start_is_throttling(tmp_path):
    srv = Server(config=f"vision:\n  worker: {tmp_path / 'no-such-worker'}\n")
    try:
        rek = rekognition(srv)
        with pytest.raises(ClientError) as e:
            rek.detect_labels(Image={"Bytes": fixture_bytes("objects/eagle.jpg")})
        assert error_of(e) == ("ThrottlingException", 500)
        # Input is still judged first, and collections need no worker.
        with pytest.raises(ClientError) as e:
            rek.detect_labels(Image={"Bytes": b"not an image"})
        assert error_of(e) == ("InvalidImageFormatException", 400)
        assert rek.create_collection(CollectionId="fine")["StatusCode"] == 200
    finally:
        srv.cleanup()
