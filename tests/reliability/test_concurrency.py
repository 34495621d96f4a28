"""Many clients updating the same few items at once, with conditions, ADD and transactions over overlapping
items: no update is lost, refused writes leave no trace, and one serial order explains the final state."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.concurrent_writers import TABLE_SCHEMA, Ledger, Writer, final_state, new_item
from tests.reliability.fuzz_profile import LONG
from tests.reliability.history_check import check_history
from tests.reliability.server_control import RunningServer, client, launch

THREADS = 12 if LONG else 8
STEPS_PER_THREAD = 400 if LONG else 30
KEYS = [f"hot-{index}" for index in range(4)]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    root: Path = tmp_path_factory.mktemp("concurrency")
    running = launch(root / "data")
    yield running
    assert running.stop() == 0


def run_writers(endpoint: str, table: str, ledger: Ledger, seed: int) -> None:
    # boto3 clients are created up front: creating them concurrently from threads is not safe.
    writers = [
        Writer(f"w{index}", client(endpoint, max_pool_connections=2), table, KEYS, ledger, seed * 1000 + index)
        for index in range(THREADS)
    ]
    failures: list[BaseException] = []

    def work(writer: Writer) -> None:
        try:
            for _ in range(STEPS_PER_THREAD):
                assert writer.step(), "the server stopped answering"
        except BaseException as error:  # reported by the main thread
            failures.append(error)

    threads = [threading.Thread(target=work, args=(writer,)) for writer in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not failures, failures[0]


@pytest.mark.parametrize("seed", [1, 2])
def test_concurrent_writers_are_serializable(server: RunningServer, seed: int) -> None:
    dynamodb = client(server.endpoint)
    table = f"hot-{seed}"
    dynamodb.create_table(TableName=table, **TABLE_SCHEMA)
    for key in KEYS:
        dynamodb.put_item(TableName=table, Item=new_item(key))
    ledger = Ledger()
    run_writers(server.endpoint, table, ledger, seed)

    logs, versions, totals = final_state(dynamodb, table)
    verdict = check_history(ledger.writes, ledger.refused, logs, versions)
    assert verdict.ok, verdict.problems[:10]
    assert totals == {key: ledger.adds.get(key, 0) for key in KEYS}, "an ADD was lost"
    applied = sum(len(log) for log in logs.values())
    assert applied == sum(len(write.keys) for write in ledger.writes)
    # Contention really happened: some conditional writes lost their race and were refused.
    assert ledger.refused, "no write was ever refused: the harness did not create contention"
    print(f"\nseed {seed}: {len(ledger.writes)} writes applied ({applied} item changes), "
          f"{len(ledger.refused)} refused, {sum(ledger.adds.values())} ADDs")


def test_checker_catches_a_lost_update(server: RunningServer) -> None:
    """The harness can fail: a write applied behind the checker's back is reported."""
    dynamodb = client(server.endpoint)
    dynamodb.create_table(TableName="hot-tampered", **TABLE_SCHEMA)
    for key in KEYS:
        dynamodb.put_item(TableName="hot-tampered", Item=new_item(key))
    ledger = Ledger()
    writer = Writer("solo", dynamodb, "hot-tampered", KEYS, ledger, 7)
    for _ in range(10):
        writer.step()
    # Overwrite one item with an older state: the lost update a broken server could produce.
    item: dict[str, Any] = new_item(KEYS[0])
    dynamodb.put_item(TableName="hot-tampered", Item=item)
    logs, versions, _ = final_state(dynamodb, "hot-tampered")
    if any(KEYS[0] in write.keys for write in ledger.writes):
        assert not check_history(ledger.writes, ledger.refused, logs, versions).ok
