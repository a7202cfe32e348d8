#!/usr/bin/python3
"""The core's cost per small request, in two ratios measured in one run on one machine:

1. Against the HTTP ceiling: fogbank's rate on GetObject 1 KiB, SendMessage and GetItem at 16
   connections, as a fraction of fogbank-ceiling's (bench/ceiling.cpp: a bare Beast keep-alive
   server answering the same body fogbank answers, captured from fogbank first). The load
   generator, and so the client's share of the 2 cores, is the same for both.
2. Durable against in-memory: S3 PUT 1 KiB (each replacing one of 100 objects), SendMessage,
   PutItem of fresh items and PutItem replacing one of 10,000 items at random, at 16
   connections with `--data-dir` (every acknowledged write committed to SQLite) as a fraction of
   the same server without it.

Usage: bench/core_run.py [--quick] [--repeat N] [--json F]  (after `cmake --build --preset
release`). Each scenario alternates between its servers N times (default 3); medians are kept."""
import json
import pathlib
import statistics
import sys
import tempfile

from run import ROOT, Target, bench_args, free_port

BUILD = ROOT / "build" / "release"
FOGBANK, CEILING = BUILD / "fogbank", BUILD / "fogbank-ceiling"
S3_LOAD, SQS_LOAD, DDB_LOAD = BUILD / "fogbank-load", BUILD / "fogbank-sqs-load", BUILD / "fogbank-dynamodb-load"
LOADS = {"s3": [S3_LOAD, "--access-key", "test", "--secret", "test"], "sqs": [SQS_LOAD], "dynamodb": [DDB_LOAD]}


IO_THREADS = []  # --io-threads N: both servers' I/O threads (default: each server's own)


def fogbank(tmp, name, durable):
    port = free_port()
    cmd = [FOGBANK, "serve", "--port", port, "--log-level", "warn"]
    if IO_THREADS:
        cmd = ["env", f"FOGBANK_IO_THREADS={IO_THREADS[0]}"] + cmd
    if durable:
        d = pathlib.Path(tmp) / name
        d.mkdir()
        cmd += ["--data-dir", d]
    return port, list(map(str, cmd))


def prepare(service, t):
    """Creates what the scenario reads from on fogbank `t`; returns (load args, the body of one
    answer, its content type)."""
    if service == "s3":
        t.load("--op", "create-bucket", "--bucket", "bench")
        t.load("--op", "put", "--bucket", "bench", "--size", 1024, "--count", 100, "--keys", 100)
        return ["--bucket", "bench", "--size", 1024], b"o" * 1024, "binary/octet-stream"
    if service == "sqs":
        t.load("--op", "create-queue", "--queue", "bench")
        body = t.load("--op", "sample", "--queue", "bench")["body"]
        return ["--queue", "bench"], body.encode(), "application/x-amz-json-1.0"
    t.load("--op", "create-table", "--table", "bench")
    t.load("--op", "fill", "--table", "bench", "--count", 10000, "--connections", 4)
    body = t.load("--op", "sample", "--table", "bench")["body"]
    return ["--table", "bench"], body.encode(), "application/x-amz-json-1.0"


def ceiling_scenarios():
    return [("GetObject 1 KiB", "s3", ["--op", "get"]),
            ("SendMessage", "sqs", ["--op", "send"]),
            ("GetItem", "dynamodb", ["--op", "get"])]


def durable_scenarios():
    return [("PutObject 1 KiB", "s3", ["--op", "put"]),
            ("SendMessage", "sqs", ["--op", "send"]),
            ("PutItem", "dynamodb", ["--op", "put"]),
            ("PutItem, overwrite", "dynamodb", ["--op", "overwrite"])]


def rate(res):
    return res.get("ops_per_s", res.get("messages_per_s"))


def alternate(targets, args_of, secs, repeat, label):
    runs = {n: [] for n in targets}
    for _ in range(repeat):
        for n, t in targets.items():
            runs[n].append(rate(t.load(*args_of[n], "--connections", 16, "--seconds", secs)))
    for n in targets:
        print(f"{label:18} {n:18} runs: {', '.join(f'{v:.0f}' for v in runs[n])}", file=sys.stderr)
    return {n: statistics.median(v) for n, v in runs.items()}


def main():
    args = bench_args((FOGBANK, CEILING, S3_LOAD, SQS_LOAD, DDB_LOAD),
                      extra=lambda ap: ap.add_argument("--io-threads", type=int))
    if args.io_threads:
        IO_THREADS.append(args.io_threads)
    secs = 2 if args.quick else 5
    out = {"ceiling": {}, "durable": {}}
    with tempfile.TemporaryDirectory(prefix="fogbank-core-bench-") as tmp:
        for label, service, op in ceiling_scenarios():
            targets = {}
            try:
                port, cmd = fogbank(tmp, "mem", False)
                targets["fogbank"] = Target("fogbank", port, cmd, LOADS[service])
                extra, body, ctype = prepare(service, targets["fogbank"])
                body_file = pathlib.Path(tmp) / f"{service}.body"
                body_file.write_bytes(body)
                port = free_port()
                targets["ceiling"] = Target("ceiling", port, list(map(str, [
                    CEILING, "--port", port, "--body-file", body_file, "--content-type", ctype,
                    *(["--threads", IO_THREADS[0]] if IO_THREADS else [])])), LOADS[service])
                args_of = {"fogbank": extra + op, "ceiling": extra + op}
                if service == "sqs":  # the ceiling answers no GetQueueUrl
                    args_of["ceiling"] = op + ["--queue-url", "http://127.0.0.1/000000000000/bench"]
                out["ceiling"][label] = alternate(targets, args_of, secs, args.repeat, label)
            finally:
                for t in targets.values():
                    t.stop()
        for i, (label, service, op) in enumerate(durable_scenarios()):
            targets = {}
            try:
                for n, durable in (("in memory", False), ("--data-dir", True)):
                    port, cmd = fogbank(tmp, f"{i}-{service}-{n.strip('-')}", durable)
                    targets[n] = Target(n, port, cmd, LOADS[service])
                    extra, _, _ = prepare(service, targets[n])
                args_of = {n: extra + op for n in targets}
                out["durable"][label] = alternate(targets, args_of, secs, args.repeat, label)
            finally:
                for t in targets.values():
                    t.stop()
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))
    print("| 16 connections | fogbank (ops/s) | ceiling (ops/s) | fogbank / ceiling |")
    print("|---|---:|---:|---:|")
    for label, r in out["ceiling"].items():
        print(f"| {label} | {r['fogbank']:.0f} | {r['ceiling']:.0f} | {r['fogbank'] / r['ceiling']:.2f} |")
    print()
    print("| 16 connections | --data-dir (ops/s) | in memory (ops/s) | durable / in memory |")
    print("|---|---:|---:|---:|")
    for label, r in out["durable"].items():
        print(f"| {label} | {r['--data-dir']:.0f} | {r['in memory']:.0f} | {r['--data-dir'] / r['in memory']:.2f} |")


if __name__ == "__main__":
    main()
