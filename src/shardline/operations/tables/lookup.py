"""Finding a table by the TableName a request gives (a name or a table ARN), with AWS's not-found errors."""

from __future__ import annotations

from shardline.errors import ResourceNotFoundException
from shardline.storage.backend import ReadView, StoredTable

_TABLE_MARKER = ":table/"


def plain_table_name(table_name: str) -> str:
    """TableName may be a table ARN (arn:aws:dynamodb:<region>:<account>:table/<name>); the name otherwise."""
    if table_name.startswith("arn:") and _TABLE_MARKER in table_name:
        return table_name.split(_TABLE_MARKER, 1)[1]
    return table_name


def require_table(view: ReadView, name: str) -> StoredTable:
    """For the data plane, whose not-found message is the bare "Requested resource not found"."""
    table = view.get_table(plain_table_name(name))
    if table is None:
        raise ResourceNotFoundException("Requested resource not found")
    return table


def require_described_table(view: ReadView, name: str) -> StoredTable:
    """For DescribeTable, UpdateTable and DeleteTable, whose message names the table."""
    plain = plain_table_name(name)
    table = view.get_table(plain)
    if table is None:
        raise ResourceNotFoundException(f"Requested resource not found: Table: {plain} not found")
    return table
