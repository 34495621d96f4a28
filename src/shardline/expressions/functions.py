"""Run-time pieces shared by evaluation, update and projection: document-path lookup and the
condition functions (attribute_type, begins_with, contains, size)."""

from __future__ import annotations

from shardline.expressions.ast import DocumentPath
from shardline.values.binary import decode_binary
from shardline.values.comparison import values_equal
from shardline.values.types import AttributeValue, Item, type_of

_SET_ELEMENT_TYPES = {"SS": "S", "NS": "N", "BS": "B"}


def lookup(item: Item | None, path: DocumentPath) -> AttributeValue | None:
    """The value at path, or None when any step is missing or of the wrong type."""
    if item is None or not path or not isinstance(path[0], str):
        return None
    current: AttributeValue | None = item.get(path[0])
    for step in path[1:]:
        if current is None:
            return None
        if isinstance(step, int):
            elements = current.get("L")
            current = elements[step] if elements is not None and step < len(elements) else None
        else:
            members = current.get("M")
            current = members.get(step) if members is not None else None
    return current


def attribute_size(value: AttributeValue) -> int | None:
    """size(): bytes of a string or binary, members of a set, list or map; None for other types."""
    kind = type_of(value)
    if kind == "S":
        # DynamoDB measures strings in UTF-8 bytes, as it does for item sizes.
        return len(value["S"].encode("utf-8"))
    if kind == "B":
        return len(decode_binary(value["B"]))
    if kind in ("SS", "NS", "BS", "L", "M"):
        return len(value[kind])
    return None


def begins_with(value: AttributeValue, prefix: AttributeValue) -> bool:
    kind = type_of(value)
    if kind != type_of(prefix):
        return False
    if kind == "S":
        return bool(value["S"].startswith(prefix["S"]))
    if kind == "B":
        return decode_binary(value["B"]).startswith(decode_binary(prefix["B"]))
    return False


def contains(container: AttributeValue, element: AttributeValue) -> bool:
    """A substring of a string (or binary), a member of a set of the element's type, or an element of
    a list; false for anything else."""
    kind = type_of(container)
    element_kind = type_of(element)
    if kind == "S" and element_kind == "S":
        return bool(element["S"] in container["S"])
    if kind == "B" and element_kind == "B":
        return decode_binary(element["B"]) in decode_binary(container["B"])
    if kind in _SET_ELEMENT_TYPES and _SET_ELEMENT_TYPES[kind] == element_kind:
        return any(values_equal({element_kind: member}, element) for member in container[kind])
    if kind == "L":
        return any(values_equal(member, element) for member in container["L"])
    return False
