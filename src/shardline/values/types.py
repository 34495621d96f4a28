"""The in-memory form of DynamoDB data: the wire JSON, validated and normalised.

An AttributeValue is a dict with exactly one type key, as on the wire:
    {"S": str}  {"N": str}  {"B": str}  {"BOOL": bool}  {"NULL": True}
    {"SS": [str]}  {"NS": [str]}  {"BS": [str]}  {"L": [AttributeValue]}  {"M": {name: AttributeValue}}
Numbers ("N", "NS") hold DynamoDB's normalised text ("1.50" is kept as "1.5"). Binaries ("B", "BS") hold
canonical base64 text, so an item goes from request to storage to response without conversion; code that
needs the bytes decodes them (values.binary.decode_binary).
"""

from __future__ import annotations

from typing import Any

AttributeValue = dict[str, Any]
Item = dict[str, AttributeValue]

SCALAR_TYPES = ("S", "N", "B", "BOOL", "NULL")
SET_TYPES = ("SS", "NS", "BS")
DOCUMENT_TYPES = ("L", "M")
ALL_TYPES = ("S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS", "L", "M")
KEY_TYPES = ("S", "N", "B")


def type_of(value: AttributeValue) -> str:
    """The one type key of a validated AttributeValue."""
    return next(iter(value))
