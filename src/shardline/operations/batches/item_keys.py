"""Keys inside batch and transaction requests: locating items of an already-found table, and the
duplicate checks AWS applies to a request's list of keys."""

from __future__ import annotations

import orjson

from shardline.errors import ValidationException
from shardline.operations.items.item_request import TableKey
from shardline.operations.tables.definition import key_schema_of
from shardline.storage.backend import StoredTable
from shardline.values.key_schema import KEY_MISMATCH, encode_item_key, validate_item_key, validate_key
from shardline.values.types import Item, type_of

DUPLICATE_KEYS = "Provided list of item keys contains duplicates"


def key_of_item(table: StoredTable, item: Item) -> TableKey:
    """A whole item's key. Unlike PutItem, BatchWriteItem and TransactWriteItems word a missing or
    mistyped key attribute of an Item as "The provided key element does not match the schema"
    (dynalite's AWS-validated BatchWriteItem tests); emptiness and size keep their own messages."""
    schema = key_schema_of(table)
    for name, type_name, _ in schema.attributes():
        value = item.get(name)
        if value is None or type_of(value) != type_name:
            raise ValidationException(KEY_MISMATCH)
    validate_item_key(schema, item)
    key = {name: item[name] for name in schema.names()}
    return TableKey(table, schema, encode_item_key(schema, key))


def key_of_key(table: StoredTable, key: Item) -> TableKey:
    """A Key parameter checked against the table's schema and encoded."""
    schema = key_schema_of(table)
    validate_key(schema, key)
    return TableKey(table, schema, encode_item_key(schema, key))


def key_fingerprint(key: Item) -> bytes:
    """A key's identity before its table is known: the same attributes with the same (normalised)
    values give the same fingerprint, whatever the order of the attributes."""
    return orjson.dumps(key, option=orjson.OPT_SORT_KEYS)
