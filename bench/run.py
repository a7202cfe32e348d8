#!/usr/bin/python3
"""Measures fogbank against the npm peer s3rver in one run, on the same machine, with the same
load generator (fogbank-load), and prints a Markdown table of the ratios.

Usage: bench/run.py [--quick] [--repeat N]   (after `cmake --build --preset release` and `npm ci`
in bench/). Each server gets a fresh data directory on the same disk; small and medium scenarios
run N times (default 3), alternating between the servers, and the median is reported. Server peak RSS is VmHWM from
/proc/<pid>/status, read after each scenario group."""
import argparse
import json
import os
import pathlib
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[1]
LOAD = ROOT / "build" / "release" / "fogbank-load"
FOGBANK = ROOT / "build" / "release" / "fogbank"
S3RVER = ROOT / "bench" / "node_modules" / "s3rver" / "bin" / "s3rver.js"
KiB, MiB, GiB = 1024, 1024 ** 2, 1024 ** 3


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited early")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError("server did not listen")


def peak_rss_mib(pid, field="VmHWM"):
    """A process's peak resident memory in MiB (or another /proc/<pid>/status field's)."""
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def bench_args(required, quick_help="2 s runs", extra=None):
    """The options every peer comparison takes (and `extra(parser)`'s); exits early when a build
    or npm step is missing."""
    ap = argparse.ArgumentParser()
    if extra:
        extra(ap)
    ap.add_argument("--quick", action="store_true", help=quick_help)
    ap.add_argument("--repeat", type=int, default=3, help="runs per scenario (median kept)")
    ap.add_argument("--json", type=pathlib.Path, help="also write raw results here")
    args = ap.parse_args()
    for f in required:
        if not f.exists():
            sys.exit(f"missing {f}: build the release preset and run `npm ci` in bench/")
    return args


class Target:
    """A server under test, started on a free port, and the load generator pointed at it."""

    def __init__(self, name, port, cmd, load_cmd, cwd=None):
        self.name = name
        self.port = port
        self.load_cmd = load_cmd
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd)
        wait_port(self.port, self.proc)
        self.startup_ms = (time.perf_counter() - t0) * 1000
        time.sleep(0.3)
        self.idle_rss = peak_rss_mib(self.proc.pid)

    def load(self, *args):
        cmd = [*map(str, self.load_cmd), "--port", str(self.port), *map(str, args)]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
        if out.returncode != 0:
            raise RuntimeError(f"{self.name}: {' '.join(cmd)}\n{out.stdout}{out.stderr}")
        return json.loads(out.stdout.strip().splitlines()[-1])

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def s3_target(name, tmp):
    port = free_port()
    d = pathlib.Path(tmp) / name
    d.mkdir()
    if name == "fogbank":
        cmd = [FOGBANK, "serve", "--port", port, "--data-dir", d, "--log-level", "warn"]
    else:
        cmd = ["node", S3RVER, "--directory", d, "--port", port, "--silent"]
    return Target(name, port, list(map(str, cmd)), [LOAD, "--access-key", "S3RVER", "--secret", "S3RVER"])


def scenarios(quick):
    secs = 2 if quick else 5
    return [
        ("PUT 1 KiB, 1 conn", "ops/s", ["--op", "put", "--size", KiB, "--connections", 1, "--seconds", secs]),
        ("PUT 1 KiB, 16 conns", "ops/s", ["--op", "put", "--size", KiB, "--connections", 16, "--seconds", secs]),
        ("GET 1 KiB, 1 conn", "ops/s", ["--op", "get", "--size", KiB, "--connections", 1, "--seconds", secs]),
        ("GET 1 KiB, 16 conns", "ops/s", ["--op", "get", "--size", KiB, "--connections", 16, "--seconds", secs]),
        ("PUT 1 MiB, 4 conns", "MiB/s", ["--op", "put", "--size", MiB, "--connections", 4, "--seconds", secs, "--keys", 20]),
        ("GET 1 MiB, 4 conns", "MiB/s", ["--op", "get", "--size", MiB, "--connections", 4, "--seconds", secs, "--keys", 20]),
        ("PUT 1 GiB, 1 object", "MiB/s", ["--op", "put", "--size", (256 * MiB if quick else GiB), "--count", 1, "--keys", 1]),
        ("GET 1 GiB, 1 object", "MiB/s", ["--op", "get", "--size", (256 * MiB if quick else GiB), "--count", 1, "--keys", 1]),
    ]


def main():
    args = bench_args((LOAD, FOGBANK, S3RVER), "shorter runs and a 256 MiB large object")
    names = ("fogbank", "s3rver")
    results = {n: {} for n in names}
    with tempfile.TemporaryDirectory(prefix="fogbank-bench-", dir=os.environ.get("BENCH_TMP")) as tmp:
        # Both servers run side by side; each scenario alternates between them so that drift in
        # the machine's state (page cache, other load) falls on both alike.
        targets = {}
        try:
            for n in names:
                targets[n] = s3_target(n, tmp)
                results[n].update(startup_ms=targets[n].startup_ms, idle_rss_mib=targets[n].idle_rss)
                targets[n].load("--op", "create-bucket", "--bucket", "bench")
            for label, unit, sargs in scenarios(args.quick):
                large = label.endswith("1 object")
                if large and "small_peak_rss_mib" not in results["fogbank"]:
                    for n in names:
                        results[n]["small_peak_rss_mib"] = peak_rss_mib(targets[n].proc.pid)
                runs = {n: [] for n in names}
                for _ in range(1 if large else args.repeat):
                    for n in names:
                        res = targets[n].load("--bucket", "bench", *sargs)
                        runs[n].append(res["ops_per_s"] if unit == "ops/s" else res["mib_per_s"])
                for n in names:
                    results[n][label] = statistics.median(runs[n])
                    print(f"{n:8} {label:22} {unit:6} runs: {', '.join(f'{v:.1f}' for v in runs[n])}", file=sys.stderr)
            for n in names:
                results[n]["peak_rss_mib"] = peak_rss_mib(targets[n].proc.pid)
        finally:
            for t in targets.values():
                t.stop()
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    f, p = results["fogbank"], results["s3rver"]
    print("| scenario | fogbank | s3rver | fogbank / s3rver |")
    print("|---|---:|---:|---:|")
    for label, unit, _ in scenarios(args.quick):
        print(f"| {label} ({unit}) | {f[label]:.1f} | {p[label]:.1f} | {f[label] / p[label]:.2f}x |")
    print(f"| start-up to listening (ms) | {f['startup_ms']:.0f} | {p['startup_ms']:.0f} | {f['startup_ms'] / p['startup_ms']:.2f}x |")
    print(f"| RSS idle (MiB) | {f['idle_rss_mib']:.1f} | {p['idle_rss_mib']:.1f} | {f['idle_rss_mib'] / p['idle_rss_mib']:.2f}x |")
    print(f"| peak RSS, small-object runs (MiB) | {f['small_peak_rss_mib']:.1f} | {p['small_peak_rss_mib']:.1f} | "
          f"{f['small_peak_rss_mib'] / p['small_peak_rss_mib']:.2f}x |")
    print(f"| peak RSS, whole run incl. large object (MiB) | {f['peak_rss_mib']:.1f} | {p['peak_rss_mib']:.1f} | "
          f"{f['peak_rss_mib'] / p['peak_rss_mib']:.2f}x |")


if __name__ == "__main__":
    main()
