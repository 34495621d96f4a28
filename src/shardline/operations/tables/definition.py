"""The layout of StoredTable.definition (a versioned JSON document) and its typed form, TableDefinition.

Storage keeps the document opaque; everything that reads a table's settings goes through definition_of().
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from shardline.errors import StorageError
from shardline.operations.tables.arns import table_arn
from shardline.operations.tables.description import table_description
from shardline.settings import Settings
from shardline.storage.backend import StoredTable
from shardline.values.key_schema import KeySchema

__all__ = [
    "IndexDefinition",
    "KeyElement",
    "Projection",
    "SseSettings",
    "StreamPeriod",
    "StreamSettings",
    "TableDefinition",
    "Throughput",
    "definition_of",
    "describe",
    "index_key_schema",
    "key_schema_of",
    "table_arn",
]

FORMAT_VERSION = 1
PAY_PER_REQUEST = "PAY_PER_REQUEST"
PROVISIONED = "PROVISIONED"


@dataclass(frozen=True)
class KeyElement:
    name: str
    key_type: str  # HASH or RANGE


@dataclass(frozen=True)
class Projection:
    projection_type: str  # KEYS_ONLY, INCLUDE or ALL
    non_key_attributes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Throughput:
    read: int
    write: int
    last_increase: float | None = None
    last_decrease: float | None = None
    decreases_today: int = 0


@dataclass(frozen=True)
class IndexDefinition:
    name: str
    is_global: bool
    key_elements: tuple[KeyElement, ...]
    projection: Projection
    throughput: Throughput | None  # GSIs only; on-demand GSIs carry 0/0
    created_at: float
    # GSIs added by UpdateTable are CREATING (backfilling=True while existing items are indexed) until the
    # backfill finishes; a GSI being removed in the background is DELETING. Everything else is ACTIVE.
    status: str = "ACTIVE"
    backfilling: bool = False


@dataclass(frozen=True)
class StreamPeriod:
    """One enable..disable cycle of the table's stream: every enable mints a new label and ARN."""

    label: str
    view_type: str
    enabled_at: float
    disabled_at: float | None = None


@dataclass(frozen=True)
class StreamSettings:
    enabled: bool = False
    view_type: str | None = None
    periods: tuple[StreamPeriod, ...] = ()

    @property
    def latest(self) -> StreamPeriod | None:
        return self.periods[-1] if self.periods else None


@dataclass(frozen=True)
class SseSettings:
    kms_key_arn: str


@dataclass(frozen=True)
class TableDefinition:
    attribute_types: tuple[tuple[str, str], ...]  # AttributeDefinitions in request order
    key_elements: tuple[KeyElement, ...]
    created_at: float
    billing_mode: str
    throughput: Throughput  # 0/0 for on-demand tables, as AWS describes them
    pay_per_request_since: float | None = None
    indexes: tuple[IndexDefinition, ...] = ()
    stream: StreamSettings = field(default_factory=StreamSettings)
    sse: SseSettings | None = None
    table_class: str | None = None
    table_class_updated_at: float | None = None
    deletion_protection: bool = False
    tags: tuple[tuple[str, str], ...] = ()

    def attribute_type(self, name: str) -> str:
        for attribute, attribute_type in self.attribute_types:
            if attribute == name:
                return attribute_type
        raise StorageError(f"table definition has no type for key attribute {name}")

    def index(self, name: str) -> IndexDefinition | None:
        return next((index for index in self.indexes if index.name == name), None)

    def with_changes(self, **changes: Any) -> TableDefinition:
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "attribute_types": [list(pair) for pair in self.attribute_types],
            "key_elements": [_element_json(element) for element in self.key_elements],
            "created_at": self.created_at,
            "billing_mode": self.billing_mode,
            "throughput": _throughput_json(self.throughput),
            "pay_per_request_since": self.pay_per_request_since,
            "indexes": [_index_json(index) for index in self.indexes],
            "stream": {
                "enabled": self.stream.enabled,
                "view_type": self.stream.view_type,
                "periods": [
                    {
                        "label": p.label,
                        "view_type": p.view_type,
                        "enabled_at": p.enabled_at,
                        "disabled_at": p.disabled_at,
                    }
                    for p in self.stream.periods
                ],
            },
            "sse": None if self.sse is None else {"kms_key_arn": self.sse.kms_key_arn},
            "table_class": self.table_class,
            "table_class_updated_at": self.table_class_updated_at,
            "deletion_protection": self.deletion_protection,
            "tags": [list(pair) for pair in self.tags],
        }

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> TableDefinition:
        try:
            stream = document["stream"]
            sse = document["sse"]
            return cls(
                attribute_types=tuple((str(a), str(t)) for a, t in document["attribute_types"]),
                key_elements=tuple(_element_from(e) for e in document["key_elements"]),
                created_at=float(document["created_at"]),
                billing_mode=str(document["billing_mode"]),
                throughput=_throughput_from(document["throughput"]),
                pay_per_request_since=document["pay_per_request_since"],
                indexes=tuple(_index_from(i) for i in document["indexes"]),
                stream=StreamSettings(
                    enabled=bool(stream["enabled"]),
                    view_type=stream["view_type"],
                    periods=tuple(
                        StreamPeriod(p["label"], p["view_type"], p["enabled_at"], p["disabled_at"])
                        for p in stream["periods"]
                    ),
                ),
                sse=None if sse is None else SseSettings(sse["kms_key_arn"]),
                table_class=document["table_class"],
                table_class_updated_at=document["table_class_updated_at"],
                deletion_protection=bool(document["deletion_protection"]),
                tags=tuple((str(k), str(v)) for k, v in document["tags"]),
            )
        except (KeyError, TypeError, ValueError) as broken:
            raise StorageError(f"unreadable table definition: {broken!r}") from broken


def _element_json(element: KeyElement) -> list[str]:
    return [element.name, element.key_type]


def _element_from(raw: Any) -> KeyElement:
    return KeyElement(str(raw[0]), str(raw[1]))


def _throughput_json(throughput: Throughput) -> dict[str, Any]:
    return {
        "read": throughput.read,
        "write": throughput.write,
        "last_increase": throughput.last_increase,
        "last_decrease": throughput.last_decrease,
        "decreases_today": throughput.decreases_today,
    }


def _throughput_from(raw: Mapping[str, Any]) -> Throughput:
    return Throughput(
        int(raw["read"]),
        int(raw["write"]),
        raw["last_increase"],
        raw["last_decrease"],
        int(raw["decreases_today"]),
    )


def _index_json(index: IndexDefinition) -> dict[str, Any]:
    return {
        "name": index.name,
        "global": index.is_global,
        "key_elements": [_element_json(element) for element in index.key_elements],
        "projection_type": index.projection.projection_type,
        "non_key_attributes": list(index.projection.non_key_attributes),
        "throughput": None if index.throughput is None else _throughput_json(index.throughput),
        "created_at": index.created_at,
        "status": index.status,
        "backfilling": index.backfilling,
    }


def _index_from(raw: Mapping[str, Any]) -> IndexDefinition:
    throughput = raw["throughput"]
    return IndexDefinition(
        name=str(raw["name"]),
        is_global=bool(raw["global"]),
        key_elements=tuple(_element_from(e) for e in raw["key_elements"]),
        projection=Projection(str(raw["projection_type"]), tuple(raw["non_key_attributes"])),
        throughput=None if throughput is None else _throughput_from(throughput),
        created_at=float(raw["created_at"]),
        status=str(raw.get("status", "ACTIVE")),
        backfilling=bool(raw.get("backfilling", False)),
    )


def definition_of(table: StoredTable) -> TableDefinition:
    return TableDefinition.from_json(table.definition)


def _key_schema(elements: tuple[KeyElement, ...], definition: TableDefinition) -> KeySchema:
    partition = next(e.name for e in elements if e.key_type == "HASH")
    sort = next((e.name for e in elements if e.key_type == "RANGE"), None)
    return KeySchema(
        partition_name=partition,
        partition_type=definition.attribute_type(partition),
        sort_name=sort,
        sort_type=None if sort is None else definition.attribute_type(sort),
    )


# Every data-plane request needs its table's key schema. Storage keeps a definition object for the table's life
# (counter updates copy the StoredTable, not its definition; a changed definition is a new object), so identity
# is a safe key; an entry holds its definition, so the id cannot be reused while cached. Bounded: cleared when
# full.
_KEY_SCHEMA_CACHE_LIMIT = 1024
_key_schemas: dict[int, tuple[Mapping[str, Any], KeySchema]] = {}


def key_schema_of(table: StoredTable) -> KeySchema:
    """The table's primary key schema, for the data-plane operations."""
    document = table.definition
    cached = _key_schemas.get(id(document))
    if cached is not None and cached[0] is document:
        return cached[1]
    schema = _read_key_schema(table)
    if len(_key_schemas) >= _KEY_SCHEMA_CACHE_LIMIT:
        _key_schemas.clear()
    _key_schemas[id(document)] = (document, schema)
    return schema


def _read_key_schema(table: StoredTable) -> KeySchema:
    """Reads only the two fields the key schema needs."""
    document = table.definition
    try:
        types = {str(name): str(kind) for name, kind in document["attribute_types"]}
        elements = [(str(name), str(key_type)) for name, key_type in document["key_elements"]]
        partition = next(name for name, key_type in elements if key_type == "HASH")
        sort = next((name for name, key_type in elements if key_type == "RANGE"), None)
        return KeySchema(partition, types[partition], sort, None if sort is None else types[sort])
    except (KeyError, TypeError, ValueError, StopIteration) as broken:
        raise StorageError(f"unreadable key schema in table {table.name}: {broken!r}") from broken


def index_key_schema(definition: TableDefinition, index: IndexDefinition) -> KeySchema:
    return _key_schema(index.key_elements, definition)


def describe(
    table: StoredTable,
    settings: Settings,
    *,
    table_status: str = "ACTIVE",
    index_statuses: Mapping[str, str] | None = None,
    index_stats: Mapping[str, tuple[int, int]] | None = None,
) -> dict[str, Any]:
    """The wire TableDescription. Tables are usable at once, so they describe as ACTIVE unless the caller
    (CreateTable, DeleteTable, UpdateTable) reports a transitional status in its own response."""
    return table_description(
        table,
        definition_of(table),
        settings,
        table_status=table_status,
        index_statuses=index_statuses or {},
        index_stats=index_stats,
    )
