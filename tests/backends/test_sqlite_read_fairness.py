"""Reads run inline on the event loop's thread: a task that polls the store in a loop must still let other
tasks run, while a lone read (a request's) goes straight through."""

from __future__ import annotations

import asyncio
from pathlib import Path

from shardline.storage.backend import ReadView
from shardline.storage.sqlite import SqliteBackend


def _names(view: ReadView) -> list[str]:
    return view.list_table_names(None, 10)


def test_a_polling_task_lets_others_run(tmp_path: Path) -> None:
    async def main() -> list[str]:
        backend = SqliteBackend.open(tmp_path / "store.db")
        events: list[str] = []

        async def poller() -> None:
            for _ in range(50):  # reads back to back, awaiting nothing but the store
                await backend.read(_names)
            events.append("poller done")

        async def other() -> None:
            events.append("other ran")

        try:
            polling = asyncio.create_task(poller())
            await asyncio.sleep(0)  # the poller starts first
            await asyncio.gather(polling, other())
        finally:
            await backend.close()
        return events

    assert asyncio.run(main()) == ["other ran", "poller done"]


def test_reads_of_different_tasks_all_complete(tmp_path: Path) -> None:
    async def main() -> list[list[str]]:
        backend = SqliteBackend.open(tmp_path / "store.db")
        try:
            return await asyncio.gather(*(backend.read(_names) for _ in range(20)))
        finally:
            await backend.close()

    assert asyncio.run(main()) == [[] for _ in range(20)]
