"""A table's primary key schema and the checks of keys (the Key parameter) and of items' key attributes.

AWS words the same fault differently for a Key parameter and for an Item: a Key gets "does not match
the schema" for anything missing or mistyped, an Item names the missing or mistyped attribute. An empty
S or B key value reads "are not valid" in both (recorded GetItem and PutItem errors of today's AWS;
dynalite's older tests had "were invalid" for a Key).
"""

from __future__ import annotations

from dataclasses import dataclass

from shardline.errors import ValidationException
from shardline.storage.backend import ItemKey
from shardline.values.binary import binary_length
from shardline.values.key_codec import encode_key_value
from shardline.values.types import AttributeValue, Item, type_of

INVALID = "One or more parameter values were invalid: "
EMPTY_KEY_PREFIX = "One or more parameter values are not valid. "
KEY_MISMATCH = "The provided key element does not match the schema"
MAX_PARTITION_KEY_BYTES = 2048
MAX_SORT_KEY_BYTES = 1024
# "limit of2048" is AWS's spelling.
PARTITION_KEY_TOO_LARGE = INVALID + "Size of hashkey has exceeded the maximum size limit of2048 bytes"
SORT_KEY_TOO_LARGE = INVALID + "Aggregated size of all range keys has exceeded the size limit of 1024 bytes"
_EMPTY_KIND = {"S": "string", "B": "binary"}


@dataclass(frozen=True)
class KeySchema:
    partition_name: str
    partition_type: str
    sort_name: str | None = None
    sort_type: str | None = None

    def names(self) -> tuple[str, ...]:
        return (self.partition_name,) if self.sort_name is None else (self.partition_name, self.sort_name)

    def attributes(self) -> tuple[tuple[str, str, bool], ...]:
        """(name, type, is_partition) for each key attribute, partition first."""
        partition = (self.partition_name, self.partition_type, True)
        if self.sort_name is None or self.sort_type is None:
            return (partition,)
        return partition, (self.sort_name, self.sort_type, False)


def _empty_key_detail(name: str, value: AttributeValue) -> str | None:
    type_name = type_of(value)
    if type_name in _EMPTY_KIND and value[type_name] == "":
        kind = _EMPTY_KIND[type_name]
        return f"The AttributeValue for a key attribute cannot contain an empty {kind} value. Key: {name}"
    return None


def _check_size(value: AttributeValue, is_partition: bool) -> None:
    type_name = type_of(value)
    if type_name == "S":
        size = len(str(value["S"]).encode("utf-8", "surrogatepass"))
    elif type_name == "B":
        size = binary_length(value["B"])
    else:
        return  # numbers are at most 21 bytes, far inside both limits
    if is_partition and size > MAX_PARTITION_KEY_BYTES:
        raise ValidationException(PARTITION_KEY_TOO_LARGE)
    if not is_partition and size > MAX_SORT_KEY_BYTES:
        raise ValidationException(SORT_KEY_TOO_LARGE)


def validate_key(schema: KeySchema, key: Item) -> None:
    """Checks a Key parameter: exactly the key attributes, each of its declared type, not empty, not
    too large."""
    if len(key) != len(schema.names()):
        raise ValidationException(KEY_MISMATCH)
    for name, type_name, is_partition in schema.attributes():
        value = key.get(name)
        if value is None or type_of(value) != type_name:
            raise ValidationException(KEY_MISMATCH)
        empty = _empty_key_detail(name, value)
        if empty is not None:
            raise ValidationException(EMPTY_KEY_PREFIX + empty)
        _check_size(value, is_partition)


def validate_item_key(schema: KeySchema, item: Item) -> None:
    """Checks the key attributes of a whole item (PutItem's Item and the like)."""
    for name, type_name, is_partition in schema.attributes():
        value = item.get(name)
        if value is None:
            raise ValidationException(f"{INVALID}Missing the key {name} in the item")
        actual = type_of(value)
        if actual != type_name:
            raise ValidationException(
                f"{INVALID}Type mismatch for key {name} expected: {type_name} actual: {actual}"
            )
        empty = _empty_key_detail(name, value)
        if empty is not None:
            raise ValidationException(EMPTY_KEY_PREFIX + empty)
        _check_size(value, is_partition)


def extract_key(schema: KeySchema, item: Item) -> Item:
    """The key attributes of an item (which must have them)."""
    missing = [name for name in schema.names() if name not in item]
    if missing:
        raise ValidationException(f"{INVALID}Missing the key {missing[0]} in the item")
    return {name: item[name] for name in schema.names()}


def encode_item_key(schema: KeySchema, key: Item) -> ItemKey:
    """The storage key of a validated key (or of an item's key attributes)."""
    if any(name not in key for name in schema.names()):
        raise ValidationException(KEY_MISMATCH)
    partition = encode_key_value(key[schema.partition_name])
    if schema.sort_name is None:
        return ItemKey(partition=partition)
    return ItemKey(partition=partition, sort=encode_key_value(key[schema.sort_name]))
