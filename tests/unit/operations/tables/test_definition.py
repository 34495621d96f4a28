"""The StoredTable.definition document: round trip, the key schema others read, and broken documents."""

from __future__ import annotations

import pytest

from shardline.errors import StorageError
from shardline.operations.tables.definition import (
    IndexDefinition,
    KeyElement,
    Projection,
    SseSettings,
    StreamPeriod,
    StreamSettings,
    TableDefinition,
    Throughput,
    definition_of,
    index_key_schema,
    key_schema_of,
)
from shardline.storage.backend import StoredTable
from shardline.values.key_schema import KeySchema

DEFINITION = TableDefinition(
    attribute_types=(("pk", "S"), ("sk", "N"), ("g", "B")),
    key_elements=(KeyElement("pk", "HASH"), KeyElement("sk", "RANGE")),
    created_at=1_700_000_000.5,
    billing_mode="PROVISIONED",
    throughput=Throughput(5, 6, last_increase=1_700_000_100.0, decreases_today=2),
    pay_per_request_since=1_600_000_000.0,
    indexes=(
        IndexDefinition(
            "g-index",
            True,
            (KeyElement("g", "HASH"),),
            Projection("INCLUDE", ("a", "b")),
            Throughput(1, 1),
            1_700_000_000.5,
        ),
        IndexDefinition(
            "lsi",
            False,
            (KeyElement("pk", "HASH"), KeyElement("g", "RANGE")),
            Projection("ALL"),
            None,
            1_700_000_000.5,
        ),
    ),
    stream=StreamSettings(
        True,
        "KEYS_ONLY",
        (
            StreamPeriod("2023-11-14T22:13:20.500", "NEW_IMAGE", 1_700_000_000.5, 1_700_000_001.0),
            StreamPeriod("2023-11-14T22:13:22.000", "KEYS_ONLY", 1_700_000_002.0),
        ),
    ),
    sse=SseSettings("arn:aws:kms:us-east-1:123456789012:key/k"),
    table_class="STANDARD",
    table_class_updated_at=None,
    deletion_protection=True,
    tags=(("team", "a"),),
)


def test_round_trip_keeps_every_setting() -> None:
    table = StoredTable("t1", "id-1", DEFINITION.to_json())
    assert definition_of(table) == DEFINITION


def test_key_schemas() -> None:
    table = StoredTable("t1", "id-1", DEFINITION.to_json())
    assert key_schema_of(table) == KeySchema("pk", "S", "sk", "N")
    assert index_key_schema(DEFINITION, DEFINITION.indexes[0]) == KeySchema("g", "B")
    assert DEFINITION.stream.latest is not None
    assert DEFINITION.stream.latest.label == "2023-11-14T22:13:22.000"


def test_broken_document_is_a_storage_error() -> None:
    broken = StoredTable("t1", "id-1", {"format": 1, "attribute_types": [["pk", "S"]]})
    with pytest.raises(StorageError):
        definition_of(broken)
    with pytest.raises(StorageError):
        key_schema_of(broken)
