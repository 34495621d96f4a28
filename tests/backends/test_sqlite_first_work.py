"""The first work of a write group runs without a savepoint (its undo is the transaction's rollback): when it
raises, its effects must vanish and the works queued behind it must still run and commit."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from shardline.storage.backend import ItemKey, StoredTable, WriteView
from shardline.storage.sqlite import SqliteBackend

TABLE = StoredTable("orders", "table-1", {"key_elements": [["id", "HASH"]]})


class Refused(Exception):
    pass


def _item(name: str) -> dict[str, dict[str, str]]:
    return {"id": {"S": name}}


@pytest.mark.parametrize("where", ["memory", "file"])
def test_a_raising_first_work_is_undone_and_the_works_behind_it_commit(tmp_path: Path, where: str) -> None:
    running = threading.Event()
    queued = threading.Event()

    def first(view: WriteView) -> None:
        view.put_item(TABLE.table_id, ItemKey(b"a"), _item("a"), 10)
        view.create_table(StoredTable("ghost", "table-ghost", {"key_elements": [["id", "HASH"]]}))
        running.set()
        queued.wait(timeout=10)
        raise Refused("no")

    def behind(name: str) -> Callable[[WriteView], str]:
        def work(view: WriteView) -> str:
            view.put_item(TABLE.table_id, ItemKey(name.encode()), _item(name), 10)
            return name

        return work

    async def main() -> None:
        backend = SqliteBackend.open(None if where == "memory" else tmp_path / "store.db")
        try:
            await backend.write(lambda view: view.create_table(TABLE))
            failing = asyncio.ensure_future(backend.write(first))
            await asyncio.to_thread(running.wait, 10)
            later = [asyncio.ensure_future(backend.write(behind(name))) for name in ("b", "c")]
            await asyncio.sleep(0.05)
            queued.set()
            with pytest.raises(Refused):
                await failing
            assert [await task for task in later] == ["b", "c"]
            found = await backend.read(lambda view: [
                view.get_item(TABLE.table_id, ItemKey(name)) is not None for name in (b"a", b"b", b"c")])
            assert found == [False, True, True]
            assert await backend.read(lambda view: view.get_table("ghost")) is None
            table = await backend.read(lambda view: view.get_table(TABLE.name))
            assert table is not None and (table.item_count, table.size_bytes) == (2, 20)
        finally:
            await backend.close()

    asyncio.run(main())
