"""GetRecords: up to Limit (at most 1000) records or 1 MB from an iterator's position, and the next
iterator, which is absent once a closed shard has been read to its end."""

from __future__ import annotations

from typing import Any

from shardline.operations.context import OperationContext
from shardline.operations.streams.limits import page_limit
from shardline.streams.reader import StreamReader

NAME = "GetRecords"
MAX_LIMIT = 1000


async def run(ctx: OperationContext, body: dict[str, Any]) -> dict[str, Any]:
    limit = page_limit(body, MAX_LIMIT)
    reader = StreamReader(ctx.storage, ctx.clock, ctx.settings)
    page = await reader.get_records_json(str(body["ShardIterator"]), limit)
    response: dict[str, Any] = {"Records": page.records}
    if page.next_iterator is not None:
        response["NextShardIterator"] = page.next_iterator
    return response
