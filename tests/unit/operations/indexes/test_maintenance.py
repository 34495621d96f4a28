"""maintain_indexes: the entries an item change writes, moves and removes, inside the change's work."""

from __future__ import annotations

from typing import Any, cast

import pytest

from shardline.operations.capacity import IndexUnits
from shardline.operations.indexes.maintenance import maintain_indexes
from shardline.operations.item_changes import ItemChange, apply_item_change
from shardline.operations.tables.definition import (
    IndexDefinition,
    KeyElement,
    Projection,
    TableDefinition,
    Throughput,
)
from shardline.storage.backend import IndexKey, ItemKey, KeyRange, StorageBackend, StoredTable, WriteView
from shardline.storage.sqlite import SqliteBackend
from shardline.values.key_codec import encode_key_value
from shardline.values.types import Item


def gsi(name: str, partition: str, projection: str = "ALL", status: str = "ACTIVE") -> IndexDefinition:
    return IndexDefinition(
        name, True, (KeyElement(partition, "HASH"),), Projection(projection), Throughput(0, 0), 0.0, status
    )


def table_with(*indexes: IndexDefinition) -> StoredTable:
    types = {"pk": "S"}
    for index in indexes:
        types.update({element.name: "S" for element in index.key_elements})
    definition = TableDefinition(
        attribute_types=tuple(types.items()),
        key_elements=(KeyElement("pk", "HASH"),),
        created_at=0.0,
        billing_mode="PAY_PER_REQUEST",
        throughput=Throughput(0, 0),
        indexes=indexes,
    )
    return StoredTable("t", "id-t", definition.to_json())


class RecordingView:
    """Only the index methods maintain_indexes may call; anything else fails the test."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, IndexKey]] = []

    def put_index_entry(self, table_id: str, index_name: str, key: IndexKey, item: Item, size: int) -> None:
        self.calls.append(("put", index_name, key))

    def delete_index_entry(self, table_id: str, index_name: str, key: IndexKey) -> None:
        self.calls.append(("delete", index_name, key))


KEY = ItemKey(b"a")


def entry(value: str) -> IndexKey:
    return IndexKey(encode_key_value({"S": value}), b"", KEY)


def item(**attributes: str) -> Item:
    return {"pk": {"S": "a"}, **{name: {"S": value} for name, value in attributes.items()}}


CASES: list[tuple[str, Item | None, Item | None, list[tuple[str, str, IndexKey]]]] = [
    ("insert", None, item(g="x"), [("put", "by-g", entry("x"))]),
    ("insert without the key", None, item(other="y"), []),
    ("key moves", item(g="x"), item(g="y"), [("delete", "by-g", entry("x")), ("put", "by-g", entry("y"))]),
    ("key removed", item(g="x"), item(), [("delete", "by-g", entry("x"))]),
    ("delete", item(g="x"), None, [("delete", "by-g", entry("x"))]),
    ("projected attribute changes", item(g="x", other="1"), item(g="x", other="2"), [("put", "by-g", entry("x"))]),
    ("nothing the index holds changes", item(g="x"), item(g="x"), []),
]


@pytest.mark.parametrize(("old", "new", "expected"), [case[1:] for case in CASES], ids=[c[0] for c in CASES])
def test_entries_written_for_a_change(old: Item | None, new: Item | None, expected: list[Any]) -> None:
    view = RecordingView()
    change = ItemChange(table_with(gsi("by-g", "g")), KEY, old, new, 0.0)
    maintain_indexes(cast(WriteView, view), change)
    assert view.calls == expected


UNIT_CASES: list[tuple[str, Item | None, Item | None, float]] = [
    ("insert", None, item(g="x"), 1.0),
    ("insert without the key", None, item(other="y"), 0.0),
    ("key moves: a delete and a put", item(g="x"), item(g="y"), 2.0),
    ("key removed", item(g="x"), item(), 1.0),
    ("delete", item(g="x"), None, 1.0),
    ("projected attribute grows past 1 KB", item(g="x", other="1"), item(g="x", other="2" * 1100), 2.0),
    ("nothing the index holds changes", item(g="x"), item(g="x"), 0.0),
]


@pytest.mark.parametrize(("old", "new", "units"), [case[1:] for case in UNIT_CASES], ids=[c[0] for c in UNIT_CASES])
def test_units_spent_on_the_index(old: Item | None, new: Item | None, units: float) -> None:
    change = ItemChange(table_with(gsi("by-g", "g")), KEY, old, new, 0.0)
    spent = maintain_indexes(cast(WriteView, RecordingView()), change)
    assert spent == ((IndexUnits("by-g", True, units),) if units else ())


def test_keys_only_index_ignores_changes_to_other_attributes() -> None:
    view = RecordingView()
    change = ItemChange(table_with(gsi("by-g", "g", "KEYS_ONLY")), KEY, item(g="x", n="1"), item(g="x", n="2"), 0.0)
    assert maintain_indexes(cast(WriteView, view), change) == ()
    assert view.calls == []


def test_deleting_indexes_and_tables_without_indexes_are_left_alone() -> None:
    view = RecordingView()
    maintain_indexes(cast(WriteView, view), ItemChange(table_with(), KEY, None, item(g="x"), 0.0))
    deleting = table_with(gsi("by-g", "g", status="DELETING"), gsi("by-h", "h", status="CREATING"))
    maintain_indexes(cast(WriteView, view), ItemChange(deleting, KEY, None, item(g="x", h="y"), 0.0))
    assert view.calls == [("put", "by-h", IndexKey(encode_key_value({"S": "y"}), b"", KEY))]


async def _run_changes(backend: StorageBackend) -> tuple[list[Any], list[Any], tuple[int, int]]:
    table = table_with(gsi("by-g", "g"))
    await backend.write(lambda view: view.create_table(table))
    stored = await backend.read(lambda view: view.get_table("t"))
    assert stored is not None

    def change(old: Item | None, new: Item | None, key: ItemKey) -> Any:
        return lambda view: apply_item_change(view, ItemChange(stored, key, old, new, 0.0))

    await backend.write(change(None, {"pk": {"S": "a"}, "g": {"S": "x"}}, ItemKey(b"a")))
    await backend.write(change(None, {"pk": {"S": "b"}, "g": {"S": "x"}}, ItemKey(b"b")))
    await backend.write(
        change({"pk": {"S": "b"}, "g": {"S": "x"}}, {"pk": {"S": "b"}, "g": {"S": "z"}}, ItemKey(b"b"))
    )

    def failing(view: WriteView) -> None:
        apply_item_change(view, ItemChange(stored, ItemKey(b"c"), None, {"pk": {"S": "c"}, "g": {"S": "x"}}, 0.0))
        raise RuntimeError("the operation fails after its change")

    with pytest.raises(RuntimeError):
        await backend.write(failing)
    x = await backend.read(
        lambda view: [i for _, i in view.query_index("id-t", "by-g", b"x", KeyRange(), True, None, 10)]
    )
    z = await backend.read(
        lambda view: [i for _, i in view.query_index("id-t", "by-g", b"z", KeyRange(), True, None, 10)]
    )
    statistics = await backend.read(lambda view: view.index_statistics("id-t", "by-g"))
    await backend.close()
    return x, z, statistics


def test_entries_commit_and_roll_back_with_the_item() -> None:
    import asyncio

    x, z, statistics = asyncio.run(_run_changes(SqliteBackend.open(None)))
    assert x == [{"pk": {"S": "a"}, "g": {"S": "x"}}]
    assert z == [{"pk": {"S": "b"}, "g": {"S": "z"}}]
    assert statistics[0] == 2
