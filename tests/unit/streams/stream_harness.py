"""A store, a FakeClock and the operations, run in-process: unit tests drive streams with them instead of a
server, advancing the clock instead of sleeping."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any, cast

import orjson

from shardline.clock import FakeClock
from shardline.operations.context import OperationContext
from shardline.operations.items import delete_item, put_item, update_item
from shardline.operations.streams import describe_stream, get_records, get_shard_iterator, list_streams
from shardline.operations.tables import create_table, delete_table, update_table
from shardline.settings import Settings
from shardline.storage.sqlite import SqliteBackend
from shardline.streams.retention import UpkeepReport, upkeep

Handler = Callable[[OperationContext, dict[str, Any]], Awaitable[dict[str, Any]]]


def as_sent(response: dict[str, Any]) -> dict[str, Any]:
    """The response as a client receives it: GetRecords answers records as ready JSON fragments, which only
    become dicts again once serialised and parsed."""
    return cast(dict[str, Any], orjson.loads(orjson.dumps(response)))


@dataclass
class StreamHarness:
    storage: SqliteBackend
    clock: FakeClock = field(default_factory=FakeClock)
    settings: Settings = field(default_factory=Settings)
    measured: dict[int, tuple[int, int]] = field(default_factory=dict)  # kept across passes, as the server does

    def context(self) -> OperationContext:
        return OperationContext(self.storage, self.clock, self.settings, "test-request")

    async def call(self, handler: Handler, **body: Any) -> dict[str, Any]:
        return as_sent(await handler(self.context(), body))

    async def create_table(self, name: str = "orders", view_type: str | None = "NEW_AND_OLD_IMAGES") -> str:
        body: dict[str, Any] = {
            "TableName": name,
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST",
        }
        if view_type is not None:
            body["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": view_type}
        described = await create_table.run(self.context(), body)
        return str(described["TableDescription"].get("LatestStreamArn", ""))

    async def put(self, item_id: str, **attributes: str) -> None:
        item = {"id": {"S": item_id}, **{name: {"S": value} for name, value in attributes.items()}}
        await put_item.run(self.context(), {"TableName": "orders", "Item": item})

    async def set(self, item_id: str, name: str, value: str) -> None:
        await update_item.run(
            self.context(),
            {
                "TableName": "orders", "Key": {"id": {"S": item_id}}, "UpdateExpression": "SET #a = :v",
                "ExpressionAttributeNames": {"#a": name}, "ExpressionAttributeValues": {":v": {"S": value}},
            },
        )

    async def delete(self, item_id: str) -> None:
        await delete_item.run(self.context(), {"TableName": "orders", "Key": {"id": {"S": item_id}}})

    async def update_table(self, **body: Any) -> dict[str, Any]:
        return await update_table.run(self.context(), {"TableName": "orders", **body})

    async def delete_table(self) -> dict[str, Any]:
        return await delete_table.run(self.context(), {"TableName": "orders"})

    async def upkeep(self) -> UpkeepReport:
        now = self.clock.now()
        return await self.storage.write(lambda view: upkeep(view, now, self.settings, self.measured))

    async def shards(self, arn: str) -> list[dict[str, Any]]:
        described = await describe_stream.run(self.context(), {"StreamArn": arn})
        return list(described["StreamDescription"]["Shards"])

    async def iterator(self, arn: str, shard_id: str, kind: str = "TRIM_HORIZON", sequence: str | None = None) -> str:
        body: dict[str, Any] = {"StreamArn": arn, "ShardId": shard_id, "ShardIteratorType": kind}
        if sequence is not None:
            body["SequenceNumber"] = sequence
        return str((await get_shard_iterator.run(self.context(), body))["ShardIterator"])

    async def records(self, iterator: str, limit: int | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"ShardIterator": iterator}
        if limit is not None:
            body["Limit"] = limit
        return as_sent(await get_records.run(self.context(), body))

    async def read_all(self, arn: str) -> list[dict[str, Any]]:
        """Every record of the stream, shard by shard in ShardId (= lineage) order, each shard to its end
        or to its current end when open."""
        found: list[dict[str, Any]] = []
        for shard in await self.shards(arn):
            iterator: str | None = await self.iterator(arn, shard["ShardId"])
            while iterator is not None:
                page = await self.records(iterator)
                found.extend(page["Records"])
                if not page["Records"]:
                    break
                iterator = page.get("NextShardIterator")
        return found

    async def list_streams(self, **body: Any) -> dict[str, Any]:
        return await list_streams.run(self.context(), body)


def run_with_harness(scenario: Callable[[StreamHarness], Awaitable[None]], **settings: Any) -> None:
    async def main() -> None:
        harness = StreamHarness(SqliteBackend.open(None), settings=replace(Settings(), **settings))
        try:
            await scenario(harness)
        finally:
            await harness.storage.close()

    asyncio.run(main())
