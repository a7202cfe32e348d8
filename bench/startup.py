#!/usr/bin/python3
"""Start-up and idle footprint: fogbank against baselines measured alike in the same run.

The servers: fogbank; fogbank-ceiling (bench/ceiling.cpp, a bare Boost.Beast server built by the
bench: the floor of what a native HTTP server costs to start here); and the npm peer s3rver
when bench/node_modules has it. For each of --starts rounds (default 20), each server is
started in two series, in turn:
- warm: the time from exec to the first complete HTTP response (fogbank: a 200 on
  /_fogbank/health; the others: any answer), polled over a fresh connection every --poll-ms
  (default 1 ms), the server stopped as soon as it answers, so the next start follows at once (all
  of these first);
- after idle: the same, but started after --idle-ms (default 300 ms) in which the machine did
  nothing, and its resident memory (VmRSS) taken after as long again. On a VM a start after an
  idle pause can cost several times a warm one (the host hands back the pages it reclaimed),
  and that penalty falls on every server alike: the ratio to the ceiling is the figure to read.
Medians are reported, with the spread, and each as a ratio to fogbank-ceiling's. Also the wall
time of `fogbank version` and of /bin/true, started from this script alike.

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

CEILING = FOGBANK.parent / "fogbank-ceiling"


def first_answer(port, path, proc, poll_s, timeout=20):
    """The status of the first complete answer's status line."""
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


def command(name, port, state_dir):
    """(argv, path to poll, status wanted or None for any)."""
    if name == "fogbank":
        return ([str(FOGBANK), "serve", "--port", str(port), "--log-level", "warn"],
                "/_fogbank/health", 200)
    if name == "ceiling":
        return [str(CEILING), "--port", str(port), "--threads", "1"], "/", None
    return (["node", str(S3RVER), "--directory", str(state_dir), "--port", str(port), "--silent"],
            "/", None)


def one_start(name, tmp, poll_s, idle_s):
    """(ms to the first answer, VmRSS in MiB after idle_s, or None when idle_s is 0)."""
    port = free_port()
    d = pathlib.Path(tempfile.mkdtemp(dir=tmp))
    cmd, path, want = command(name, port, d)
    if idle_s:
        time.sleep(idle_s)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            status = first_answer(port, path, proc, poll_s)
            if want is None or status == want:
                break
        ms = (time.perf_counter() - t0) * 1000
        mib = None
        if idle_s:
            time.sleep(idle_s)
            mib = peak_rss_mib(proc.pid, "VmRSS")
        return ms, mib
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(d, ignore_errors=True)


def timed_run(argv, starts):
    out = []
    for _ in range(starts):
        t0 = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def summary(values):
    return f"{statistics.median(values):.1f} ({min(values):.1f}–{max(values):.1f})"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--starts", type=int, default=20)
    ap.add_argument("--poll-ms", type=float, default=1.0)
    ap.add_argument("--idle-ms", type=float, default=300.0)
    args = ap.parse_args()
    for binary in (FOGBANK, CEILING):
        if not binary.exists():
            sys.exit(f"missing {binary}: build the release preset with FOGBANK_BENCH=ON")
    names = ["fogbank", "ceiling"] + (["s3rver"] if S3RVER.exists() and shutil.which("node") else [])
    warm = {n: [] for n in names}
    idle = {n: [] for n in names}
    rss = {n: [] for n in names}
    with tempfile.TemporaryDirectory(prefix="fogbank-startup-") as tmp:
        # All warm starts first, back to back: one that followed an idle one would pay for it.
        for _ in range(args.starts):
            for n in names:
                warm[n].append(one_start(n, tmp, args.poll_ms / 1000, 0)[0])
        for _ in range(args.starts):
            for n in names:
                ms, mib = one_start(n, tmp, args.poll_ms / 1000, args.idle_ms / 1000)
                idle[n].append(ms)
                rss[n].append(mib)
    version = timed_run([str(FOGBANK), "version"], args.starts)
    true = timed_run(["/bin/true"], args.starts)
    print(f"{args.starts} starts of each kind, polled every {args.poll_ms:g} ms; idle pauses of "
          f"{args.idle_ms:g} ms; median (min–max), and the ratio of medians to fogbank-ceiling's")
    print("| | " + " | ".join(names) + " | " + " | ".join(f"{n} / ceiling" for n in names if n != "ceiling") + " |")
    print("|---|" + "---:|" * (2 * len(names) - 1))
    for label, data in (("exec to first answer, warm (ms)", warm),
                        ("exec to first answer, after idle (ms)", idle),
                        ("RSS idle (MiB)", rss)):
        base = statistics.median(data["ceiling"])
        row = f"| {label} | " + " | ".join(summary(data[n]) for n in names)
        row += " | " + " | ".join(f"{statistics.median(data[n]) / base:.2f}x"
                                  for n in names if n != "ceiling")
        print(row + " |")
    blank = " |" * (2 * len(names) - 2)
    print(f"| `fogbank version` (ms) | {summary(version)} |" + blank)
    print(f"| `/bin/true` (ms) | {summary(true)} |" + blank)


if __name__ == "__main__":
    main()
