"""Index entries of items: sparse indexes, key types and the three projection types (cases/index_entries.json)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from shardline.operations.indexes.projection import index_entry, plan_of
from shardline.operations.tables.definition import (
    IndexDefinition,
    KeyElement,
    Projection,
    TableDefinition,
    Throughput,
)
from shardline.storage.backend import ItemKey
from shardline.values.key_codec import encode_key_value

CASES: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "cases" / "index_entries.json").read_text(encoding="utf-8")
)
BASE = ItemKey(b"p", b"base-sort")


def definition_with(index: dict[str, Any]) -> tuple[TableDefinition, IndexDefinition]:
    keys = [(str(name), str(kind)) for name, kind in index["keys"]]
    elements = (KeyElement(keys[0][0], "HASH"), *(KeyElement(name, "RANGE") for name, _ in keys[1:]))
    built = IndexDefinition(
        name="the-index",
        is_global=not index.get("local", False),
        key_elements=elements,
        projection=Projection(index["projection"], tuple(index.get("non_key", ()))),
        throughput=None,
        created_at=0.0,
    )
    types = dict([("pk", "S"), ("sk", "N"), *keys])
    definition = TableDefinition(
        attribute_types=tuple(types.items()),
        key_elements=(KeyElement("pk", "HASH"), KeyElement("sk", "RANGE")),
        created_at=0.0,
        billing_mode="PAY_PER_REQUEST",
        throughput=Throughput(0, 0),
        indexes=(built,),
    )
    return definition, built


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_index_entry(case: dict[str, Any]) -> None:
    definition, index = definition_with(case["index"])
    entry = index_entry(plan_of(definition, index), case["item"], BASE)
    expected = case["entry"]
    if expected is None:
        assert entry is None
        return
    assert entry is not None
    assert entry.key.partition == encode_key_value(expected["partition"])
    assert entry.key.sort == (b"" if expected["sort"] is None else encode_key_value(expected["sort"]))
    assert entry.key.base == BASE
    assert entry.item == expected["item"]
