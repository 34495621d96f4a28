"""What a Query or Scan reads: the table itself or one of its secondary indexes, with the key names and
projection that go with it, and AWS's errors for an unknown index or a consistent read of a GSI."""

from __future__ import annotations

from dataclasses import dataclass

from shardline.errors import ValidationException
from shardline.operations.tables.definition import (
    IndexDefinition,
    TableDefinition,
    definition_of,
    index_key_schema,
    key_schema_of,
)
from shardline.storage.backend import StoredTable
from shardline.values.key_schema import KeySchema

INVALID_START_KEY = "The provided starting key is invalid"


@dataclass(frozen=True)
class ReadTarget:
    table: StoredTable
    table_schema: KeySchema
    index: IndexDefinition | None
    key_schema: KeySchema  # of what is read: the index's when reading an index
    index_schemas: tuple[tuple[IndexDefinition, KeySchema], ...]  # every index of the table

    @property
    def is_global(self) -> bool:
        return self.index is not None and self.index.is_global

    @property
    def is_local(self) -> bool:
        return self.index is not None and not self.index.is_global

    def start_key_names(self) -> tuple[str, ...]:
        """The attributes of an ExclusiveStartKey / LastEvaluatedKey: the table's key, then the index's
        key attributes that are not already part of it."""
        names = list(self.table_schema.names())
        names.extend(name for name in self.key_schema.names() if name not in names)
        return tuple(names)

    def projected_names(self) -> frozenset[str] | None:
        """The top-level attributes an index entry holds; None when it holds all of them."""
        if self.index is None or self.index.projection.projection_type == "ALL":
            return None
        names = set(self.start_key_names())
        if self.index.projection.projection_type == "INCLUDE":
            names.update(self.index.projection.non_key_attributes)
        return frozenset(names)

    def index_key_names(self) -> tuple[str, ...]:
        """Key attributes of every index of the table (for the rule that key attributes are scalars)."""
        found: list[str] = []
        for _, schema in self.index_schemas:
            found.extend(name for name in schema.names() if name not in found)
        return tuple(found)


def resolve_target(
    table: StoredTable,
    index_name: str | None,
    *,
    consistent_read: bool,
    has_start_key: bool = False,
    start_key_first: bool = False,
) -> ReadTarget:
    """The table, or the index named by IndexName. A Scan that also gives an ExclusiveStartKey hears
    about a missing index as an invalid starting key (start_key_first), as AWS answers."""
    table_schema = key_schema_of(table)
    if index_name is None:
        return ReadTarget(table, table_schema, None, table_schema, _index_schemas_of(table, None))
    definition = definition_of(table)
    index = definition.index(index_name)
    if index is None or index.status == "DELETING":
        if start_key_first and has_start_key:
            raise ValidationException(INVALID_START_KEY)
        raise ValidationException(f"The table does not have the specified index: {index_name}")
    if index.is_global and consistent_read:
        raise ValidationException("Consistent reads are not supported on global secondary indexes")
    if index.backfilling:
        raise ValidationException(f"Cannot read from backfilling global secondary index: {index_name}")
    return ReadTarget(
        table, table_schema, index, index_key_schema(definition, index), _index_schemas_of(table, definition)
    )


def _index_schemas_of(
    table: StoredTable, definition: TableDefinition | None
) -> tuple[tuple[IndexDefinition, KeySchema], ...]:
    # Reading the whole definition costs more than the key schema, so a table read without indexes
    # in its document skips it.
    if definition is None:
        if not table.definition.get("indexes"):
            return ()
        definition = definition_of(table)
    return tuple((index, index_key_schema(definition, index)) for index in definition.indexes)
