"""DeleteTable: remove a table at once, answering with its description in status DELETING; the items and
index entries of a large table are removed afterwards in batches (tables/table_purge.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shardline.errors import ValidationException
from shardline.operations.context import OperationContext
from shardline.operations.indexes.statistics import IndexStatistics, index_statistics_of
from shardline.operations.streams.lifecycle import end_stream
from shardline.operations.tables import table_purge
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

    def delete(view: WriteView) -> tuple[StoredTable, IndexStatistics, bool]:
        table = require_described_table(view, request.table_name)
        if definition_of(table).deletion_protection:
            raise ValidationException(
                "Resource cannot be deleted as it is currently protected against deletion. "
                "Disable deletion protection first."
            )
        stats = index_statistics_of(view, table)
        # the stream is disabled, not removed: it stays listed and readable for the retention period
        end_stream(view, table, definition_of(table), now)
        view.detach_table(table.name)
        # A small table's rows all go in this work; a large one's rest in later works (after the answer).
        batch = table_purge.PURGE_BATCH_ROWS
        rows_left = view.purge_detached_rows(table.table_id, batch) == batch
        return table, stats, rows_left

    table, stats, rows_left = await ctx.storage.write(delete)
    if rows_left:
        # Also picks up purges a stopped process left unfinished.
        await table_purge.resume_table_purges(ctx.storage)
    return {"TableDescription": describe(table, ctx.settings, table_status="DELETING", index_stats=stats)}
