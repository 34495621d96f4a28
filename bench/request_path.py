"""A focused request-path micro-benchmark: one shardline server, PutItem and GetItem load for a few seconds.

Usage: python -m bench.request_path [--seconds S] [--connections N] [--rounds R] [--source DIR ...]
Each --source is a directory put first on the server's PYTHONPATH (a copy of src/ to compare against); the
rounds visit every source in turn, so machine load falls on all alike. Not a test: prints figures.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.harness.load import LoadResult, run_each, run_for
from bench.harness.wire import Api, Endpoint, encode_call

READY = re.compile(r"shardline listening on http://([^:]+):(\d+)")
SERVER_CORE = 1
LOAD_CORE = 0


def start(source: str, data_dir: Path, extra: list[str]) -> tuple[subprocess.Popen[str], Endpoint]:
    env = dict(os.environ)
    if source != "current":
        env["PYTHONPATH"] = source
    process = subprocess.Popen(
        [sys.executable, "-m", "shardline", "serve", "--port", "0", "--data-dir", str(data_dir), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )
    assert process.stdout is not None
    for line in process.stdout:
        match = READY.search(line)
        if match:
            if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
                for task in Path(f"/proc/{process.pid}/task").iterdir():
                    os.sched_setaffinity(int(task.name), {SERVER_CORE})
            return process, Endpoint(match.group(1), int(match.group(2)))
    raise RuntimeError("server did not start")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure(
    endpoint: Endpoint, pid: int, seconds: float, connections: int, round_index: int
) -> dict[str, tuple[LoadResult, float]]:
    api = Api(endpoint)
    table = f"bench{round_index}"
    await api.call("CreateTable", {
        "TableName": table, "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
    })
    api.close()

    def put(index: int) -> bytes:
        item = {"pk": {"S": f"user-{round_index}-{index}"}, "name": {"S": "x" * 60}, "n": {"N": str(index)}}
        return encode_call(endpoint, "PutItem", {"TableName": table, "Item": item})

    await run_each(endpoint, [put(index) for index in range(2000)], connections=16)
    puts = [put(index) for index in range(2000, 200_000)]
    gets = [
        encode_call(endpoint, "GetItem", {"TableName": table, "Key": {"pk": {"S": f"user-{round_index}-{index}"}}})
        for index in range(2000)
    ]
    results: dict[str, tuple[LoadResult, float]] = {}
    for name, requests in (("PutItem", puts), ("GetItem", gets)):
        before = cpu_seconds(pid)
        result = await run_for(endpoint, requests, connections=connections, seconds=seconds, warmup=0.0)
        # CPU per answer is steadier than the rate on a machine shared with other work.
        results[name] = (result, (cpu_seconds(pid) - before) / max(1, result.completed + result.failed) * 1e6)
    for name, (result, _) in results.items():
        if result.failed:
            print(f"  {name}: {result.failed} failed, first: {result.first_failure}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--source", action="append", default=None, help="'current' or a directory with shardline/")
    parser.add_argument("--extra", default="", help="extra serve flags, space separated")
    options = parser.parse_args()
    sources = options.source or ["current"]
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {LOAD_CORE})
    figures: dict[str, dict[str, list[tuple[float, float, float, float]]]] = {s: {} for s in sources}
    for round_index in range(options.rounds):
        for source in sources[round_index % len(sources):] + sources[:round_index % len(sources)]:
            with tempfile.TemporaryDirectory() as data_dir:
                process, endpoint = start(source, Path(data_dir), options.extra.split())
                try:
                    results = asyncio.run(
                        measure(endpoint, process.pid, options.seconds, options.connections, round_index)
                    )
                finally:
                    process.terminate()
                    process.wait(timeout=30)
            for name, (result, cpu_us) in results.items():
                row = (result.rate, result.latency_ms(0.5), result.latency_ms(0.99), cpu_us)
                figures[source].setdefault(name, []).append(row)
                print(f"round {round_index} {source:>24} {name}: {row[0]:8.0f}/s p50 {row[1]:6.2f} ms "
                      f"p99 {row[2]:6.2f} ms  server CPU {cpu_us:6.0f} us/request", flush=True)
    print("\nmedians over rounds:")
    for source, by_name in figures.items():
        for name, rows in by_name.items():
            rate = statistics.median(r[0] for r in rows)
            p50 = statistics.median(r[1] for r in rows)
            p99 = statistics.median(r[2] for r in rows)
            cpu = statistics.median(r[3] for r in rows)
            print(f"{source:>24} {name}: {rate:8.0f}/s p50 {p50:6.2f} ms p99 {p99:6.2f} ms  CPU {cpu:5.0f} us/request")


if __name__ == "__main__":
    main()
