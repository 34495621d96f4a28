"""DeleteTable: remove a table and its items, answering with its description in status DELETING."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shardline.errors import ValidationException
from shardline.operations.context import OperationContext
from shardline.operations.tables.definition import definition_of, describe
from shardline.operations.tables.lookup import require_described_table
from shardline.operations.tables.table_names import resolve_table_name
from shardline.settings import Settings
from shardline.storage.backend import StoredTable, WriteView

NAME = "DeleteTable"


@dataclass(frozen=True)
class Request:
    table_name: str


def parse(body: dict[str, Any], settings: Settings) -> Request:
    return Request(resolve_table_name(settings, str(body.get("TableName", ""))))


async def run(ctx: OperationContext, body: dict[str, Any]) -> dict[str, Any]:
    request = parse(body, ctx.settings)

    def delete(view: WriteView) -> StoredTable:
        table = require_described_table(view, request.table_name)
        if definition_of(table).deletion_protection:
            raise ValidationException(
                "Resource cannot be deleted as it is currently protected against deletion. "
                "Disable deletion protection first."
            )
        view.delete_table(table.name)
        return table

    table = await ctx.storage.write(delete)
    return {"TableDescription": describe(table, ctx.settings, table_status="DELETING")}
