#!/usr/bin/python3
"""EC2 in fogbank: how long RunInstances takes to have the instance's UserData running, and how
many instances start per second, with a baseline measured in the same run:

- launch latency: from sending RunInstances to the UserData script's first line (it writes the
  time to a file), against the bare start of the same script with subprocess (fork/exec of
  /bin/sh, here, same machine, same moment). The ratio is what fogbank adds: the request, the
  instance's record and directory, its shims, its environment, the guard's registration;
- instances per second: RunInstances with MaxCount=N, until every script has run.

Usage: bench/ec2_run.py [--repeat N] [--json FILE]   (after `cmake --build --preset release`).
Requests are unsigned over http.client keep-alive (fogbank's default auth accepts them), so the
client's cost stays out of the figures."""
import argparse
import base64
import http.client
import json
import os
import pathlib
import statistics
import subprocess
import tempfile
import time
import urllib.parse

from run import ROOT, free_port, wait_port

FOGBANK = ROOT / "build" / "release" / "fogbank"
AMI = "ami-0f0b0a0c0000de12a"


def script(marks):
    # The first thing the instance does: record when it started.
    return f'#!/bin/sh\ndate +%s.%N >> {marks}/$FOGBANK_INSTANCE_ID\n'


def call(conn, params):
    body = urllib.parse.urlencode(dict(params, Version="2016-11-15"))
    conn.request("POST", "/", body, {"Content-Type": "application/x-www-form-urlencoded",
                                     "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0"})
    r = conn.getresponse()
    data = r.read()
    if r.status != 200:
        raise RuntimeError(data.decode())
    return data.decode()


def wait_files(marks, n, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        files = list(marks.iterdir())
        if len(files) >= n and all(f.stat().st_size for f in files):
            return [float(f.read_text().split()[0]) for f in files]
        time.sleep(0.001)
    raise RuntimeError("instances did not start")


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--burst", type=int, default=20)
    ap.add_argument("--json")
    args = ap.parse_args()
    port = free_port()
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="fogbank-ec2-bench-"))
    server = subprocess.Popen([str(FOGBANK), "serve", "--port", str(port), "--log-level", "warn"],
                              env=dict(os.environ, FOGBANK_EC2_MAX_INSTANCES="1000"))
    try:
        wait_port(port, server)
        conn = http.client.HTTPConnection("127.0.0.1", port)
        launch, bare = [], []
        for i in range(args.repeat):
            marks = tmp / f"one-{i}"
            marks.mkdir()
            user_data = base64.b64encode(script(marks).encode()).decode()
            t0 = time.time()
            call(conn, {"Action": "RunInstances", "ImageId": AMI, "MinCount": 1, "MaxCount": 1,
                        "UserData": user_data})
            started = wait_files(marks, 1)[0]
            launch.append((started - t0) * 1000)
            # The same script, started bare.
            bare_marks = tmp / f"bare-{i}"
            bare_marks.mkdir()
            path = bare_marks / "script.sh"
            path.write_text(script(bare_marks).replace("$FOGBANK_INSTANCE_ID", "bare"))
            t0 = time.time()
            subprocess.Popen(["/bin/sh", str(path)]).wait()
            bare.append((float((bare_marks / "bare").read_text().split()[0]) - t0) * 1000)
        marks = tmp / "burst"
        marks.mkdir()
        user_data = base64.b64encode(script(marks).encode()).decode()
        t0 = time.time()
        call(conn, {"Action": "RunInstances", "ImageId": AMI, "MinCount": args.burst,
                    "MaxCount": args.burst, "UserData": user_data})
        last = max(wait_files(marks, args.burst))
        per_second = args.burst / (last - t0)
        result = {
            "launch_ms_p50": statistics.median(launch), "launch_ms_p99": pct(launch, 99),
            "bare_spawn_ms_p50": statistics.median(bare),
            "ratio_p50": statistics.median(launch) / statistics.median(bare),
            "instances_per_second": per_second, "burst": args.burst, "repeat": args.repeat,
        }
        print(f"| RunInstances -> UserData running | p50 {result['launch_ms_p50']:.2f} ms | "
              f"p99 {result['launch_ms_p99']:.2f} ms |")
        print(f"| bare fork/exec of the same script | p50 {result['bare_spawn_ms_p50']:.2f} ms | |")
        print(f"| ratio (p50) | {result['ratio_p50']:.2f} | |")
        print(f"| instances started per second (MaxCount={args.burst}) | {per_second:.0f} | |")
        if args.json:
            pathlib.Path(args.json).write_text(json.dumps(result, indent=2))
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
