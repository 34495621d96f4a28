"""DeleteTable: remove a table and its items, answering with its description in status DELETING."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shardline.errors import ValidationException
from shardline.operations.context import OperationContext
from shardline.operations.indexes.maintenance import drop_index_entries
from shardline.operations.indexes.statistics import IndexStatistics, index_statistics_of
from shardline.operations.streams.lifecycle import end_stream
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
    now = ctx.clock.now()

    def delete(view: WriteView) -> tuple[StoredTable, IndexStatistics]:
        table = require_described_table(view, request.table_name)
        if definition_of(table).deletion_protection:
            raise ValidationException(
                "Resource cannot be deleted as it is currently protected against deletion. "
                "Disable deletion protection first."
            )
        stats = index_statistics_of(view, table)
        drop_index_entries(view, table)
        # the stream is disabled, not removed: it stays listed and readable for the retention period
        end_stream(view, table, definition_of(table), now)
        view.delete_table(table.name)
        return table, stats

    table, stats = await ctx.storage.write(delete)
    return {"TableDescription": describe(table, ctx.settings, table_status="DELETING", index_stats=stats)}
