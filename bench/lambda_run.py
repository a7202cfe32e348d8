#!/usr/bin/python3
"""Lambda invocation latency and throughput in fogbank, for a Python, a Node and a `provided`
(C++) function that echo their event, with baselines measured in the same run:

- warm invoke vs. a GetFunctionConfiguration round trip on the same keep-alive connection (the
  cost of one request through fogbank's server, router and a lock, without a function);
- cold start (first invoke after the configuration changed, so a new sandbox starts) vs. the
  bare start of the same interpreter or binary (running an empty .py or .mjs file, the
  bootstrap exiting at once), timed here.

Usage: bench/lambda_run.py [--quick] [--json FILE]   (after `cmake --build --preset release`).
Requests go over http.client with keep-alive; fogbank's default (non-strict) auth accepts them
unsigned, so the client's own cost stays out of the figures."""
import argparse
import concurrent.futures
import http.client
import io
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile

from run import ROOT, free_port, peak_rss_mib, wait_port

FOGBANK = ROOT / "build" / "release" / "fogbank"
CPP_SOURCE = ROOT / "tests" / "integration" / "functions" / "cpp_echo_bootstrap.cpp"
ROLE = "arn:aws:iam::000000000000:role/bench"

FUNCTIONS = {
    "python3.12": ("app.handler", {"app.py": "def handler(event, context):\n    return event\n"}),
    "nodejs20.x": ("index.handler", {"index.mjs": "export const handler = async (event) => event;\n"}),
    "provided.al2023": ("unused", None),  # the compiled C++ bootstrap
}


def package(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, content in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o100755 if name == "bootstrap" else 0o100644) << 16
            z.writestr(info, content)
    return buf.getvalue()


class Client:
    """One keep-alive connection to fogbank."""

    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def call(self, method, path, body=None, headers=None):
        self.conn.request(method, path, body=body, headers=headers or {})
        r = self.conn.getresponse()
        data = r.read()
        if r.status >= 300:
            raise RuntimeError(f"{method} {path}: {r.status} {data[:300]!r}")
        return data

    def invoke(self, name, payload=b'{"n": 1}'):
        return self.call("POST", f"/2015-03-31/functions/{name}/invocations", payload)


def timed(fn, n):
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def bare_start_ms(cmd, n):
    # The environment a sandbox gets (fogbank passes PATH, not the caller's NODE_* and the
    # like: NODE_EXTRA_CA_CERTS alone adds ~50 ms to a Node start).
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    return statistics.median(timed(lambda: subprocess.run(cmd, check=True, env=env), n))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer samples")
    ap.add_argument("--json", type=pathlib.Path)
    args = ap.parse_args()
    if not FOGBANK.exists():
        sys.exit(f"missing {FOGBANK}: build the release preset")
    warm_n = 300 if args.quick else 2000
    cold_n = 5 if args.quick else 15
    seconds = 2 if args.quick else 5

    results = {}
    with tempfile.TemporaryDirectory(prefix="fogbank-lambda-bench-") as tmp:
        boot = pathlib.Path(tmp) / "bootstrap"
        subprocess.run(["c++", "-O2", "-o", str(boot), str(CPP_SOURCE)], check=True)
        FUNCTIONS["provided.al2023"] = ("unused", {"bootstrap": boot.read_bytes()})
        port = free_port()
        proc = subprocess.Popen([str(FOGBANK), "serve", "--port", str(port), "--log-level", "warn"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_port(port, proc)
            c = Client(port)
            for runtime, (handler, files) in FUNCTIONS.items():
                name = runtime.replace(".", "-")
                c.call("POST", "/2015-03-31/functions", json.dumps({
                    "FunctionName": name, "Runtime": runtime, "Role": ROLE, "Handler": handler,
                    "Timeout": 30, "Code": {"ZipFile": __import__("base64").b64encode(package(files)).decode()},
                }).encode())
            baseline = timed(lambda: c.call("GET", "/2015-03-31/functions/python3-12/configuration"), warm_n)
            results["baseline"] = {"p50_ms": pct(baseline, 50), "p99_ms": pct(baseline, 99)}
            empty_py = pathlib.Path(tmp) / "empty.py"
            empty_mjs = pathlib.Path(tmp) / "empty.mjs"
            empty_py.write_text("")
            empty_mjs.write_text("")
            bare = {
                "python3.12": bare_start_ms(["/usr/bin/python3", str(empty_py)], cold_n),
                "nodejs20.x": bare_start_ms([shutil.which("node"), str(empty_mjs)], cold_n),
                # The bootstrap with no Runtime API to reach exits at once: its bare start.
                "provided.al2023": bare_start_ms(["/bin/sh", "-c", f"AWS_LAMBDA_RUNTIME_API=127.0.0.1:1 {boot}; true"], cold_n),
            }
            for runtime in FUNCTIONS:
                name = runtime.replace(".", "-")
                cold = []
                for i in range(cold_n):
                    # A configuration change retires the warm sandbox; the next invoke starts one.
                    c.call("PUT", f"/2015-03-31/functions/{name}/configuration",
                           json.dumps({"Environment": {"Variables": {"ROUND": str(i)}}}).encode())
                    t = time.perf_counter()
                    c.invoke(name)
                    cold.append((time.perf_counter() - t) * 1000)
                for _ in range(50):
                    c.invoke(name)  # warm up
                warm = timed(lambda: c.invoke(name), warm_n)
                # Throughput: 4 connections invoking back to back.
                count = [0]
                lock = threading.Lock()
                stop = time.perf_counter() + seconds

                def worker():
                    w = Client(port)
                    n = 0
                    while time.perf_counter() < stop:
                        w.invoke(name)
                        n += 1
                    with lock:
                        count[0] += n

                with concurrent.futures.ThreadPoolExecutor(4) as pool:
                    for f in [pool.submit(worker) for _ in range(4)]:
                        f.result()
                results[runtime] = {
                    "cold_p50_ms": statistics.median(cold), "bare_start_ms": bare[runtime],
                    "warm_p50_ms": pct(warm, 50), "warm_p99_ms": pct(warm, 99),
                    "invokes_per_s_4conns": count[0] / seconds,
                }
            results["server_peak_rss_mib"] = peak_rss_mib(proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=30)

    base = results["baseline"]
    print(f"Baseline: GetFunctionConfiguration round trip p50 {base['p50_ms']:.3f} ms, "
          f"p99 {base['p99_ms']:.3f} ms (same connection, same run)\n")
    print("| runtime | warm p50 | warm p99 | warm p50 / baseline | invokes/s (4 conns) "
          "| cold start p50 | bare process start | cold / bare |")
    print("|---|---|---|---|---|---|---|---|")
    for runtime in FUNCTIONS:
        r = results[runtime]
        print(f"| {runtime} | {r['warm_p50_ms']:.2f} ms | {r['warm_p99_ms']:.2f} ms "
              f"| {r['warm_p50_ms'] / base['p50_ms']:.1f}x | {r['invokes_per_s_4conns']:.0f} "
              f"| {r['cold_p50_ms']:.1f} ms | {r['bare_start_ms']:.1f} ms "
              f"| {r['cold_p50_ms'] / r['bare_start_ms']:.2f}x |")
    print(f"\nfogbank peak RSS: {results['server_peak_rss_mib']:.1f} MiB (sandboxes are separate processes)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
