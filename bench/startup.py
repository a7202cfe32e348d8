#!/usr/bin/python3
"""Start-up and idle footprint: fogbank against the npm peer s3rver, measured alike in one run.

For each of --starts starts (default 20, alternating between the servers): the time from
exec to the first complete HTTP response (fogbank: a 200 on /_fogbank/health; s3rver: any
answer to GET /), polled over a fresh connection every --poll-ms (default 1 ms); then the
resident memory (VmRSS) after --idle-ms (default 300 ms) of idleness. Medians are reported, with
the spread. Also the median wall time of `fogbank version` (--starts runs).

Usage: bench/startup.py [--starts N]   (after `cmake --build --preset release` and `npm ci`
in bench/)"""
import argparse
import pathlib
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

from run import FOGBANK, S3RVER, free_port, peak_rss_mib


def first_answer(port, path, proc, poll_s, timeout=20):
    """Seconds until a complete answer's status line arrives; (status, seconds)."""
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited early")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(request)
                head = s.recv(64)
                if head.startswith(b"HTTP/1.1 "):
                    return int(head[9:12])
        except OSError:
            pass
        time.sleep(poll_s)
    raise RuntimeError("no answer")


def one_start(name, tmp, poll_s, idle_s):
    port = free_port()
    d = pathlib.Path(tempfile.mkdtemp(dir=tmp))
    if name == "fogbank":
        cmd, path, want = [str(FOGBANK), "serve", "--port", str(port), "--log-level", "warn"], "/_fogbank/health", 200
    else:
        cmd, path, want = ["node", str(S3RVER), "--directory", str(d), "--port", str(port), "--silent"], "/", None
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            status = first_answer(port, path, proc, poll_s)
            if want is None or status == want:
                break
        ms = (time.perf_counter() - t0) * 1000
        time.sleep(idle_s)
        return ms, peak_rss_mib(proc.pid, "VmRSS")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(d, ignore_errors=True)


def summary(values):
    return f"{statistics.median(values):.1f} ({min(values):.1f}–{max(values):.1f})"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--starts", type=int, default=20)
    ap.add_argument("--poll-ms", type=float, default=1.0)
    ap.add_argument("--idle-ms", type=float, default=300.0)
    args = ap.parse_args()
    names = ["fogbank"] + (["s3rver"] if S3RVER.exists() and shutil.which("node") else [])
    if not FOGBANK.exists():
        sys.exit(f"missing {FOGBANK}: build the release preset")
    starts = {n: [] for n in names}
    rss = {n: [] for n in names}
    with tempfile.TemporaryDirectory(prefix="fogbank-startup-") as tmp:
        for _ in range(args.starts):
            for n in names:
                ms, mib = one_start(n, tmp, args.poll_ms / 1000, args.idle_ms / 1000)
                starts[n].append(ms)
                rss[n].append(mib)
    version = []
    for _ in range(args.starts):
        t0 = time.perf_counter()
        subprocess.run([str(FOGBANK), "version"], check=True, stdout=subprocess.DEVNULL)
        version.append((time.perf_counter() - t0) * 1000)
    print(f"{args.starts} starts each, polled every {args.poll_ms:g} ms; RSS after {args.idle_ms:g} ms idle; "
          "median (min–max)")
    print("| | " + " | ".join(names) + (" | fogbank / s3rver |" if len(names) > 1 else " |"))
    print("|---|" + "---:|" * (len(names) + (1 if len(names) > 1 else 0)))
    for label, data in (("exec to first answer (ms)", starts), ("RSS idle (MiB)", rss)):
        row = f"| {label} | " + " | ".join(summary(data[n]) for n in names)
        if len(names) > 1:
            row += f" | {statistics.median(data['fogbank']) / statistics.median(data['s3rver']):.3f}x"
        print(row + " |")
    print(f"| `fogbank version` (ms) | {summary(version)} |" + (" |" * (len(names) - 1 + (len(names) > 1))))


if __name__ == "__main__":
    main()
