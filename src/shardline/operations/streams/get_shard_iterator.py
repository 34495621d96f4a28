"""GetShardIterator: a signed, expiring iterator at TRIM_HORIZON, LATEST, AT_ or AFTER_SEQUENCE_NUMBER, or
AT_TIMESTAMP (added to the Streams model in 2025: the first record created at or after the time)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shardline.errors import ValidationException
from shardline.operations.context import OperationContext
from shardline.streams.reader import StreamReader

NAME = "GetShardIterator"


def _timestamp(raw: Any) -> float | None:
    # the shape checks accept a timestamp as epoch seconds (a number) or an ISO 8601 string
    if raw is None:
        return None
    if isinstance(raw, int | float):
        return float(raw)
    try:
        return datetime.fromisoformat(str(raw).replace("Z", "+00:00")).timestamp()
    except ValueError as bad:
        raise ValidationException(f"Invalid Timestamp: {raw}") from bad


async def run(ctx: OperationContext, body: dict[str, Any]) -> dict[str, Any]:
    reader = StreamReader(ctx.storage, ctx.clock, ctx.settings)
    iterator = await reader.shard_iterator(
        str(body["StreamArn"]), str(body["ShardId"]), str(body["ShardIteratorType"]), body.get("SequenceNumber"),
        _timestamp(body.get("Timestamp")),
    )
    return {"ShardIterator": iterator}
