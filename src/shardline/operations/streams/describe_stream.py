"""DescribeStream: a stream's status, view type, key schema and shards (ShardId order, Limit up to 100,
ExclusiveStartShardId cursor, ShardFilter CHILD_SHARDS for the children of one shard)."""

from __future__ import annotations

from typing import Any

from shardline.errors import ValidationException
from shardline.operations.context import OperationContext
from shardline.operations.streams.limits import page_limit
from shardline.streams.reader import StreamReader

NAME = "DescribeStream"
MAX_LIMIT = 100


def _children_of(body: dict[str, Any]) -> str | None:
    shard_filter = body.get("ShardFilter")
    if shard_filter is None:
        return None
    if shard_filter.get("Type") != "CHILD_SHARDS" or shard_filter.get("ShardId") is None:
        raise ValidationException("ShardFilter of type CHILD_SHARDS requires a ShardId")
    return str(shard_filter["ShardId"])


async def run(ctx: OperationContext, body: dict[str, Any]) -> dict[str, Any]:
    limit = page_limit(body, MAX_LIMIT)
    children_of = _children_of(body)
    reader = StreamReader(ctx.storage, ctx.clock, ctx.settings)
    description = await reader.describe_stream(
        str(body["StreamArn"]), limit, body.get("ExclusiveStartShardId"), children_of
    )
    return {"StreamDescription": description}
