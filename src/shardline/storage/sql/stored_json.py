"""The JSON the SQL adapters store as blobs (orjson bytes): items and table definitions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import orjson

from shardline.errors import StorageError
from shardline.values.types import Item


def decode_item(blob: bytes) -> Item:
    return cast(Item, orjson.loads(blob))


def encode_definition(definition: Mapping[str, Any]) -> bytes:
    try:
        return orjson.dumps(definition)
    except TypeError as error:
        raise StorageError(f"table definition is not JSON: {error}") from error
