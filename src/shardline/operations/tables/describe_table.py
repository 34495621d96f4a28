"""DescribeTable: the full TableDescription of one table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shardline.operations.context import OperationContext
from shardline.operations.indexes.backfill import start_index_jobs
from shardline.operations.indexes.statistics import IndexStatistics, index_statistics_of
from shardline.operations.tables.definition import describe
from shardline.operations.tables.lookup import require_described_table
from shardline.operations.tables.table_names import resolve_table_name
from shardline.settings import Settings
from shardline.storage.backend import ReadView, StoredTable

NAME = "DescribeTable"


@dataclass(frozen=True)
class Request:
    table_name: str


def parse(body: dict[str, Any], settings: Settings) -> Request:
    return Request(resolve_table_name(settings, str(body.get("TableName", ""))))


async def run(ctx: OperationContext, body: dict[str, Any]) -> dict[str, Any]:
    request = parse(body, ctx.settings)

    def find(view: ReadView) -> tuple[StoredTable, IndexStatistics]:
        table = require_described_table(view, request.table_name)
        return table, index_statistics_of(view, table)

    table, stats = await ctx.storage.read(find)
    # Resumes index builds and deletions interrupted by a restart (a no-op when none is pending).
    start_index_jobs(ctx.storage, table)
    return {"Table": describe(table, ctx.settings, index_stats=stats)}
