"""Records per second through shardline.consumer with a no-op processor, with one and with three worker processes.

Usage: python -m bench.consumer_throughput [--records N] [--endpoint-url URL]. Without an endpoint it starts its
own in-memory `shardline serve`. Hook for the bench harness: measure(endpoint, records, workers) -> records/s.
"""

from __future__ import annotations

import argparse
import multiprocessing
import re
import subprocess
import sys
import threading
import time
import uuid
from typing import Any

from shardline.consumer import Checkpointer, ConsumerConfig, RecordProcessor, StreamConsumer
from shardline.consumer.stream_consumer import build_client

READY_LINE = re.compile(r"shardline listening on (http://\S+)")
CONFIG = ConsumerConfig(failover_seconds=5.0, poll_seconds=0.2, shard_sync_seconds=1.0)

_counter: Any = None  # a multiprocessing.Value shared by the worker processes


class NoOpProcessor(RecordProcessor):
    def process_records(self, records: list[dict[str, Any]], checkpointer: Checkpointer) -> None:
        with _counter.get_lock():
            _counter.value += len(records)
        checkpointer.checkpoint()


def _worker(endpoint: str, table: str, application: str, counter: Any, stop: Any) -> None:
    global _counter
    _counter = counter
    consumer = StreamConsumer(table, application_name=application, processor_factory=NoOpProcessor,
                              endpoint_url=endpoint, config=CONFIG)

    def stop_when_told() -> None:
        stop.wait()
        consumer.stop()

    stopper = threading.Thread(target=stop_when_told, daemon=True)
    stopper.start()
    consumer.run()


def _fill(endpoint: str, records: int, partitions_hint: str) -> str:
    dynamodb = build_client("dynamodb", endpoint, None)
    table = f"bench-{uuid.uuid4().hex[:8]}"
    dynamodb.create_table(
        TableName=table, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    for start in range(0, records, 25):
        requests = [{"PutRequest": {"Item": {"pk": {"S": f"{partitions_hint}-{index}"}, "payload": {"S": "x" * 100}}}}
                    for index in range(start, min(start + 25, records))]
        dynamodb.batch_write_item(RequestItems={table: requests})
    return table


def measure(endpoint: str, records: int, workers: int) -> float:
    """Fills a fresh table's stream with `records` records, then times `workers` processes consuming all of it
    from the trim horizon, from the first record processed to the last (process start-up is left out)."""
    table = _fill(endpoint, records, uuid.uuid4().hex[:4])
    context = multiprocessing.get_context("spawn")
    counter = context.Value("q", 0)
    stop = context.Event()
    application = f"bench-app-{uuid.uuid4().hex[:8]}"
    processes = [context.Process(target=_worker, args=(endpoint, table, application, counter, stop))
                 for _ in range(workers)]
    for process in processes:
        process.start()
    while counter.value == 0:
        if not any(process.is_alive() for process in processes):
            raise RuntimeError("every consumer worker exited")
        time.sleep(0.005)
    started = time.perf_counter()
    while counter.value < records:
        if not any(process.is_alive() for process in processes):
            raise RuntimeError("every consumer worker exited")
        time.sleep(0.02)
    elapsed = time.perf_counter() - started
    stop.set()
    for process in processes:
        process.join(30)
    return records / elapsed


def _start_server() -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "shardline", "serve", "--port", "0", "--in-memory", "--stream-partitions", "8"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        match = READY_LINE.search(line)
        if match:
            threading.Thread(target=process.stdout.read, daemon=True).start()  # never block on a full pipe
            return process, match.group(1)
    raise RuntimeError("shardline serve did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--endpoint-url", default=None)
    arguments = parser.parse_args()
    server = None
    endpoint = arguments.endpoint_url
    if endpoint is None:
        server, endpoint = _start_server()
    try:
        for workers in (1, 3):
            rate = measure(endpoint, arguments.records, workers)
            print(f"consumer  workers={workers}  records={arguments.records:6}: {rate:10,.0f} records/s")
    finally:
        if server is not None:
            server.terminate()
            server.wait(20)


if __name__ == "__main__":
    main()
