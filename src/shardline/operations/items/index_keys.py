"""Secondary-index key attributes of a written item: when present they must have the declared type and
must not be empty, as AWS checks on every write even though an item may leave them out."""

from __future__ import annotations

from shardline.errors import ValidationException
from shardline.operations.tables.definition import definition_of
from shardline.storage.backend import StoredTable
from shardline.values.types import Item, type_of

_EMPTY_KIND = {"S": "string", "B": "binary"}
NOT_VALID = "One or more parameter values are not valid. "


def check_index_keys(table: StoredTable, item: Item, *, updating: bool = False) -> None:
    """Raises AWS's ValidationException for the first offending index key attribute. Indexes are
    visited in name order, so the alphabetically first index using the attribute is the one named."""
    if not table.definition.get("indexes"):
        return  # most tables have no index; this runs on every write, and definition_of is not cheap
    definition = definition_of(table)
    indexes = sorted(definition.indexes, key=lambda index: index.name)
    for index in indexes:
        for element in index.key_elements:
            value = item.get(element.name)
            if value is None:
                continue
            expected = definition.attribute_type(element.name)
            actual = type_of(value)
            if actual != expected:
                raise ValidationException(
                    "One or more parameter values were invalid: Type mismatch for Index Key "
                    f"{element.name} Expected: {expected} Actual: {actual} IndexName: {index.name}"
                )
    for index in indexes:
        for element in index.key_elements:
            value = item.get(element.name)
            if value is None or type_of(value) not in _EMPTY_KIND or value[type_of(value)] != "":
                continue
            kind = _EMPTY_KIND[type_of(value)]
            if updating:
                # UpdateItem words it without naming the index or the attribute.
                raise ValidationException(
                    NOT_VALID + "The update expression attempted to update a secondary index key to a value "
                    f"that is not supported. The AttributeValue for a key attribute cannot contain an empty "
                    f"{kind} value."
                )
            raise ValidationException(
                NOT_VALID + "A value specified for a secondary index key is not supported. "
                f"The AttributeValue for a key attribute cannot contain an empty {kind} value. "
                f"IndexName: {index.name}, "
                f"IndexKey: {element.name}"
            )
