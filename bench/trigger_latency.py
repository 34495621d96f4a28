"""Triggers: commit-to-handler latency (no batching window) and records per second through a no-op Python
handler on one shard at BatchSize 100, against a `shardline serve --triggers FILE` this script starts.

Usage: python -m bench.trigger_latency [--writes N] [--records N]. Hooks for the bench harness:
measure(writes, records, server_cores=None) -> {"latency_p50_ms", "latency_p99_ms", "records_per_second"}.
Latency runs from just before PutItem's request leaves the client (botocore's before-send) to the handler's
first line, so it includes the request's trip and the commit: an upper bound of commit-to-handler.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped, unused-ignore]

READY_LINE = re.compile(r"shardline listening on (http://\S+)")
HANDLERS = textwrap.dedent('''
    import json, os, time
    HERE = os.path.dirname(os.path.abspath(__file__))

    def latency(event, context):
        now = time.time()
        with open(os.path.join(HERE, "latency.jsonl"), "a") as handle:
            for record in event["Records"]:
                handle.write(json.dumps({"key": record["dynamodb"]["Keys"]["pk"]["S"], "at": now}) + "\\n")

    _seen = 0

    def noop(event, context):
        global _seen
        first = _seen == 0
        _seen += len(event["Records"])
        now = time.time()
        if first:  # when this worker's first batch ended: the clock for the rate starts here
            with open(os.path.join(HERE, f"first-{os.getpid()}"), "w") as handle:
                handle.write(f"{len(event['Records'])} {now}")
        with open(os.path.join(HERE, f"count-{os.getpid()}"), "w") as handle:
            handle.write(f"{_seen} {now}")
''')
TRIGGERS = textwrap.dedent('''
    EventSourceMappings:
      - {FunctionName: "bench_trigger_handlers:latency", TableName: Latency, StartingPosition: LATEST}
      - {FunctionName: "bench_trigger_handlers:noop", TableName: Throughput, StartingPosition: TRIM_HORIZON,
         BatchSize: 100, Enabled: false}
''')


def _client(service: str, endpoint: str) -> Any:
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="bench",
                        aws_secret_access_key="bench")


def _create(dynamodb: Any, name: str) -> None:
    dynamodb.create_table(
        TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def _latency(folder: Path, dynamodb: Any, writes: int) -> tuple[float, float]:
    sent: dict[str, float] = {}
    current: dict[str, str] = {}

    def stamp(**_: Any) -> None:
        sent[current["key"]] = time.time()

    dynamodb.meta.events.register("before-send.dynamodb.PutItem", stamp)
    for n in range(writes):
        current["key"] = f"k{n}"
        dynamodb.put_item(TableName="Latency", Item={"pk": {"S": current["key"]}})
        time.sleep(0.01)  # one write at a time: latency, not queueing
    dynamodb.meta.events.unregister("before-send.dynamodb.PutItem", stamp)
    log = folder / "latency.jsonl"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (not log.exists() or len(log.read_text().splitlines()) < writes):
        time.sleep(0.05)
    seen = [json.loads(line) for line in log.read_text().splitlines()]
    delays = [(entry["at"] - sent[entry["key"]]) * 1000 for entry in seen if entry["key"] in sent]
    return _percentile(delays, 0.5), _percentile(delays, 0.99)


def _throughput(folder: Path, endpoint: str, dynamodb: Any, records: int) -> float:
    for start in range(0, records, 25):
        batch = [{"PutRequest": {"Item": {"pk": {"S": f"k{n}"}}}} for n in range(start, min(start + 25, records))]
        dynamodb.batch_write_item(RequestItems={"Throughput": batch})
    lambda_client = _client("lambda", endpoint)
    (mapping,) = [m for m in lambda_client.list_event_source_mappings()["EventSourceMappings"]
                  if m["FunctionArn"].endswith("-noop")]
    lambda_client.update_event_source_mapping(UUID=mapping["UUID"], Enabled=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        counts = [path.read_text().split() for path in folder.glob("count-*")]
        counts = [count for count in counts if len(count) == 2]
        firsts = [path.read_text().split() for path in folder.glob("first-*")]
        firsts = [entry for entry in firsts if len(entry) == 2]
        if sum(int(seen) for seen, _ in counts) >= records and firsts:
            earliest = min(firsts, key=lambda entry: float(entry[1]))
            first = float(earliest[1])
            last = max(float(at) for _, at in counts)
            # from the first batch's end, so the worker process's start is not counted; the first batch's
            # records are not counted either
            return (records - int(earliest[0])) / max(last - first, 1e-3)
        time.sleep(0.05)
    raise RuntimeError("the no-op handler did not see every record in time")


def measure(writes: int = 300, records: int = 20_000, server_cores: frozenset[int] | None = None
            ) -> dict[str, float]:
    """Starts a server (pinned to server_cores when given: the harness keeps the load generator apart), then
    measures the latency over `writes` single writes and the no-op throughput over `records` records."""
    pin = None if server_cores is None else (lambda: os.sched_setaffinity(0, server_cores))
    with tempfile.TemporaryDirectory(prefix="shardline-trigger-bench-") as name:
        folder = Path(name)
        (folder / "bench_trigger_handlers.py").write_text(HANDLERS)
        (folder / "triggers.yaml").write_text(TRIGGERS)
        server = subprocess.Popen(
            [sys.executable, "-m", "shardline", "serve", "--port", "0", "--data-dir", str(folder / "data"),
             "--triggers", str(folder / "triggers.yaml"), "--stream-partitions", "1"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, preexec_fn=pin,
        )
        try:
            assert server.stdout is not None
            match = READY_LINE.search(server.stdout.readline())
            if match is None:
                raise RuntimeError("shardline serve did not start")
            endpoint = match.group(1)
            dynamodb = _client("dynamodb", endpoint)
            _create(dynamodb, "Latency")
            _create(dynamodb, "Throughput")
            time.sleep(2.5)  # the mappings find the new tables' streams
            p50, p99 = _latency(folder, dynamodb, writes)
            rate = _throughput(folder, endpoint, dynamodb, records)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
            if server.stdout is not None:
                server.stdout.close()
    return {"latency_p50_ms": p50, "latency_p99_ms": p99, "records_per_second": rate}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=300)
    parser.add_argument("--records", type=int, default=20_000)
    arguments = parser.parse_args()
    result = measure(arguments.writes, arguments.records)
    print(f"commit-to-handler latency: p50 {result['latency_p50_ms']:.2f} ms, p99 {result['latency_p99_ms']:.2f} ms "
          "(target p50 < 10 ms, p99 < 50 ms)")
    print(f"no-op handler, one shard, BatchSize 100: {result['records_per_second']:.0f} records/s (target >= 5000)")


if __name__ == "__main__":
    main()
