"""DescribeEndpoints: the regional endpoint, cached for a day, as AWS answers."""

from __future__ import annotations

from typing import Any

from shardline.operations.context import OperationContext

NAME = "DescribeEndpoints"

CACHE_PERIOD_MINUTES = 1440


async def run(ctx: OperationContext, body: dict[str, Any]) -> dict[str, Any]:
    address = f"dynamodb.{ctx.settings.region}.amazonaws.com"
    return {"Endpoints": [{"Address": address, "CachePeriodInMinutes": CACHE_PERIOD_MINUTES}]}
