"""Measures SqliteBackend put throughput with group commit, durable (synchronous=FULL) and relaxed (NORMAL).

Usage: python bench/storage_put.py [--puts N] [--writers N]. Not a test: prints puts per second.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from shardline.storage.backend import ItemKey, StoredTable, WriteView
from shardline.storage.sqlite import SqliteBackend
from shardline.values.types import Item


def put_work(index: int) -> Callable[[WriteView], None]:
    item: Item = {"pk": {"S": f"user-{index}"}, "payload": {"S": "x" * 200}, "n": {"N": str(index)}}

    def work(view: WriteView) -> None:
        view.put_item("bench", ItemKey(f"user-{index}".encode()), item, 230)

    return work


async def measure(path: Path | None, durable: bool, puts: int, writers: int) -> float:
    backend = SqliteBackend.open(path, durable=durable)
    try:
        await backend.write(lambda view: view.create_table(StoredTable("bench", "bench", {})))
        counter = iter(range(puts))

        async def writer() -> None:
            for index in counter:
                await backend.write(put_work(index))

        started = time.perf_counter()
        await asyncio.gather(*(writer() for _ in range(writers)))
        elapsed = time.perf_counter() - started
    finally:
        await backend.close()
    return puts / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--puts", type=int, default=20_000)
    parser.add_argument("--writers", type=int, default=64, help="concurrent callers (1 = no grouping)")
    arguments = parser.parse_args()
    for writers in sorted({1, arguments.writers}):
        puts = arguments.puts if writers > 1 else min(arguments.puts, 2_000)
        for label, durable in (("durable (FULL)", True), ("relaxed (NORMAL)", False)):
            with tempfile.TemporaryDirectory() as directory:
                rate = asyncio.run(measure(Path(directory) / "bench.db", durable, puts, writers))
            print(f"file {label:17} writers={writers:4} puts={puts:6}: {rate:10,.0f} puts/s")
        rate = asyncio.run(measure(None, False, puts, writers))
        print(f"memory                 writers={writers:4} puts={puts:6}: {rate:10,.0f} puts/s")


if __name__ == "__main__":
    main()
