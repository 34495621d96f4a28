"""The table catalog: committed tables plus the layers of uncommitted changes a work sees."""

from __future__ import annotations

import sys
import threading

from shardline.storage.backend import StoredTable
from shardline.storage.sqlite.catalog import PendingCatalog, TableCatalog, TableChanges

OLD = StoredTable("t", "id-old", {"v": 1}, 3, 30)
NEW = StoredTable("t", "id-new", {"v": 2})
OTHER = StoredTable("u", "id-u", {})


def test_layers_see_newest_first_and_fall_back_to_committed() -> None:
    committed = TableCatalog([OLD, OTHER])
    group, work = TableChanges(), TableChanges()
    pending = PendingCatalog(committed, [group, work])
    group.remove("t")
    assert pending.get("t") is None
    assert pending.get_by_id("id-old") is None
    work.set(NEW)
    assert pending.get("t") == NEW
    assert pending.get_by_id("id-new") == NEW
    assert pending.get_by_id("id-old") is None
    assert pending.get_by_id("id-u") == OTHER
    assert sorted(pending.names()) == ["t", "u"]
    # nothing reached the committed catalog
    assert committed.get("t") == OLD


def test_a_table_replaced_in_an_older_layer_is_found_by_its_new_id_only() -> None:
    committed = TableCatalog([OLD])
    group, work = TableChanges(), TableChanges()
    pending = PendingCatalog(committed, [group, work])
    group.set(NEW)
    work.remove("t")
    assert pending.get_by_id("id-new") is None
    assert pending.names() == []


def test_apply_replaces_renames_and_deletes() -> None:
    committed = TableCatalog([OLD, OTHER])
    changes = TableChanges()
    changes.set(NEW)
    changes.remove("u")
    changes.set(StoredTable("w", "id-w", {}))
    committed.apply(changes)
    assert committed.get("t") == NEW
    assert committed.get_by_id("id-old") is None
    assert committed.get_by_id("id-new") == NEW
    assert committed.get("u") is None and committed.get_by_id("id-u") is None
    assert sorted(committed.names()) == ["t", "w"]
    counted = TableChanges()
    counted.set(StoredTable("t", "id-new", {"v": 2}, 5, 50))
    committed.apply(counted)
    assert committed.get_by_id("id-new") == StoredTable("t", "id-new", {"v": 2}, 5, 50)


def test_readers_never_see_a_table_missing_while_it_is_replaced() -> None:
    committed = TableCatalog([OLD])
    stop = threading.Event()
    missing: list[int] = []

    def read_constantly() -> None:
        while not stop.is_set():
            if committed.get("t") is None or committed.get_by_id("id-old") is None:
                missing.append(1)

    previous_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible, to land inside an update
    reader = threading.Thread(target=read_constantly)
    reader.start()
    try:
        for count in range(50_000):
            changes = TableChanges()
            changes.set(StoredTable("t", "id-old", {}, count, count))
            committed.apply(changes)
    finally:
        stop.set()
        reader.join()
        sys.setswitchinterval(previous_interval)
    assert missing == []
