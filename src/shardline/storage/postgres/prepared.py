"""The hot statements, prepared once per connection (PREPARE) and run by EXECUTE inside batches (planning a
statement costs the server more than running it), and the SQL literals batched statements are written with.

Literals are written for `standard_conforming_strings = on` (shardline's connections set it), where a
backslash in a quoted string is an ordinary character; psycopg's own client-side binding costs several times
more for the same text. Anything this module does not write itself is left to psycopg.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Prepared:
    name: str
    types: tuple[str, ...]
    text: str  # with %s placeholders, for a plain execute (careful mode)

    @property
    def preparation(self) -> str:
        numbered = iter(range(1, len(self.types) + 1))
        body = re.sub("%s", lambda _: f"${next(numbered)}", self.text)
        return f"PREPARE {self.name} ({', '.join(self.types)}) AS {body}"


GET_TABLE = Prepared(
    "shardline_get_table", ("text",),
    "SELECT t.name, t.table_id, t.version, t.definition, coalesce(c.item_count, 0), coalesce(c.size_bytes, 0)"
    " FROM tables t LEFT JOIN table_counters c ON c.table_id = t.table_id WHERE t.name = %s",
)
GET_ITEM = Prepared(
    "shardline_get_item", ("text", "bigint", "bytea", "bytea"),
    "SELECT size, item FROM items WHERE table_id = %s AND partition_hash = %s AND pk = %s AND sk = %s",
)
UPSERT_ITEM = Prepared(
    "shardline_upsert_item", ("text", "bigint", "bytea", "bytea", "integer", "bytea"),
    "INSERT INTO items (table_id, partition_hash, pk, sk, size, item) VALUES (%s, %s, %s, %s, %s, %s)"
    " ON CONFLICT (table_id, partition_hash, pk, sk) DO UPDATE SET size = excluded.size, item = excluded.item",
)
DELETE_ITEM = Prepared(
    "shardline_delete_item", ("text", "bigint", "bytea", "bytea"),
    "DELETE FROM items WHERE table_id = %s AND partition_hash = %s AND pk = %s AND sk = %s",
)
LOCK_KEY = Prepared("shardline_lock_key", ("bigint",), "SELECT pg_advisory_xact_lock(%s)")
TRY_LOCK_KEY = Prepared("shardline_try_lock_key", ("bigint",), "SELECT pg_try_advisory_xact_lock(%s)")

WRITER: tuple[Prepared, ...] = (GET_TABLE, GET_ITEM, UPSERT_ITEM, DELETE_ITEM, LOCK_KEY, TRY_LOCK_KEY)
READER: tuple[Prepared, ...] = (GET_TABLE, GET_ITEM)


def _text(value: str) -> str | None:
    return None if "\x00" in value else "'" + value.replace("'", "''") + "'"


def _integer(value: int) -> str | None:
    if INT4_MIN <= value <= INT4_MAX:
        return f" {value}" if value < 0 else str(value)
    # Typed: a bare constant beyond int4 could be read as numeric (-2**63 is: the minus applies after the
    # lexer), and a bigint column compared with a numeric cannot use its index.
    return f"'{value}'::int8" if INT8_MIN <= value <= INT8_MAX else None


def _number(value: float) -> str | None:
    if not math.isfinite(value):
        return None
    written = repr(value)
    return f" {written}" if written.startswith("-") else written


INT4_MIN, INT4_MAX = -(2**31), 2**31 - 1
INT8_MIN, INT8_MAX = -(2**63), 2**63 - 1

# By exact type (a bool is not written as an int; subclasses go to psycopg). As psycopg writes them: numbers as
# constants (a space before a minus sign, so that no `--` comment can form), bytes as a typed hex string.
_WRITERS: dict[type, Callable[[Any], str | None]] = {
    bytes: lambda value: f"'\\x{value.hex()}'::bytea",
    int: _integer,
    str: _text,
    float: _number,
    bool: lambda value: "true" if value else "false",
    type(None): lambda value: "NULL",
}


def literal(value: object) -> str | None:
    """`value` as an SQL literal, or None for a value left to psycopg (a string holding NUL, which PostgreSQL
    refuses anyway; infinities; other types, such as lists)."""
    writer = _WRITERS.get(type(value))
    return None if writer is None else writer(value)
