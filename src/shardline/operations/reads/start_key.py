"""ExclusiveStartKey in, LastEvaluatedKey out: AWS's checks of a starting key for Query and Scan, and its
conversion to the storage position (an ItemKey for a table, an IndexKey for an index) to read after."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shardline.errors import ValidationException
from shardline.expressions.key_condition import BoundKeyCondition
from shardline.operations.reads.key_range import matches_predicate
from shardline.operations.reads.read_target import INVALID_START_KEY, ReadTarget
from shardline.storage.backend import IndexKey, ItemKey
from shardline.values.attribute_value import validate_attribute_value
from shardline.values.comparison import values_equal
from shardline.values.key_codec import encode_key_value
from shardline.values.key_schema import KEY_MISMATCH, KeySchema, encode_item_key, validate_key
from shardline.values.types import Item, type_of

StartPosition = ItemKey | IndexKey


def validate_start_key_values(raw: Mapping[str, Any] | None) -> Item | None:
    """The values of ExclusiveStartKey, checked before the table is looked at."""
    if raw is None:
        return None
    checked: Item = {}
    for name, value in raw.items():
        try:
            checked[name] = validate_attribute_value(value)
        except ValidationException as invalid:
            raise ValidationException(f"{INVALID_START_KEY}: {invalid.message}") from None
    return checked


def _check_key_pieces(schema: KeySchema, start: Item) -> None:
    """Each key attribute of what is read must be present (else "invalid") and of its type."""
    for name, key_type, _ in schema.attributes():
        value = start.get(name)
        if value is None:
            raise ValidationException(INVALID_START_KEY)
        if type_of(value) != key_type:
            raise ValidationException(KEY_MISMATCH)


def _check_table_part(target: ReadTarget, start: Item) -> Item:
    table_part = {name: start[name] for name in target.table_schema.names() if name in start}
    try:
        validate_key(target.table_schema, table_part)
    except ValidationException as invalid:
        raise ValidationException(f"{INVALID_START_KEY}: {invalid.message}") from None
    return table_part


def position_of(target: ReadTarget, start: Item) -> StartPosition:
    """The storage position of a checked starting key."""
    base = encode_item_key(target.table_schema, start)
    if target.index is None:
        return base
    schema = target.key_schema
    sort = b"" if schema.sort_name is None else encode_key_value(start[schema.sort_name])
    return IndexKey(encode_key_value(start[schema.partition_name]), sort, base)


def check_query_start_shape(target: ReadTarget, start: Item) -> None:
    """A Query's starting key has the key attributes of what is read, of their types (checked before
    the key condition is matched to the key schema)."""
    if len(start) != len(target.start_key_names()):
        raise ValidationException(INVALID_START_KEY)
    _check_key_pieces(target.key_schema, start)


def check_query_start(target: ReadTarget, start: Item, bound: BoundKeyCondition) -> None:
    """A Query's starting key is a valid table key inside the key condition."""
    _check_table_part(target, start)
    partition_matches = values_equal(start[bound.partition_name], bound.partition_value)
    sort_name = target.key_schema.sort_name
    if bound.sort is None or sort_name is None:
        if not partition_matches:
            raise ValidationException(
                "The provided starting key is outside query boundaries based on provided conditions"
            )
        return
    if not matches_predicate(bound.sort, start[sort_name]):
        raise ValidationException("The provided starting key does not match the range key predicate")
    if not partition_matches:
        raise ValidationException("The query can return at most one row and cannot be restarted")


def check_scan_start(target: ReadTarget, start: Item) -> None:
    """A Scan's starting key: the table's key, plus the index's key attributes for an index scan."""
    if len(start) != len(target.start_key_names()):
        if target.index is not None:
            raise ValidationException(INVALID_START_KEY)
        raise ValidationException(f"{INVALID_START_KEY}: {KEY_MISMATCH}")
    if target.index is not None:
        _check_key_pieces(target.key_schema, start)
    _check_table_part(target, start)


def last_evaluated_key(target: ReadTarget, entry: Item) -> Item:
    """The LastEvaluatedKey of a page that ended at entry (a stored item or an index entry)."""
    return {name: entry[name] for name in target.start_key_names() if name in entry}
