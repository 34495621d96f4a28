"""The `shardline shards split` control (served under /-/, not a DynamoDB operation): splits every open shard of a
table's stream in two, so consumers can be tested against resharding on demand."""

from __future__ import annotations

from typing import Any

from shardline.errors import ValidationException
from shardline.operations.context import OperationContext
from shardline.operations.tables.lookup import require_described_table
from shardline.storage.backend import StoredShard, WriteView
from shardline.streams.arns import stream_arn
from shardline.streams.reader import shard_json
from shardline.streams.shards import split_table_shards


async def split_shards(ctx: OperationContext, table_name: str) -> dict[str, Any]:
    now = ctx.clock.now()

    def split(view: WriteView) -> tuple[str, list[StoredShard]]:
        table = require_described_table(view, table_name)
        stream = table.definition.get("stream") or {}
        periods = stream.get("periods") or []
        if not stream.get("enabled") or not periods:
            raise ValidationException(f"Table has no enabled stream: TableName: {table.name}")
        return str(periods[-1]["label"]), split_table_shards(view, table.table_id, now)

    label, children = await ctx.storage.write(split)
    settings = ctx.settings
    return {
        "TableName": table_name,
        "StreamArn": stream_arn(settings.region, settings.account_id, table_name, label),
        "Shards": [shard_json(shard) for shard in children],
    }
