"""Streams end to end in-process, driven by a FakeClock: capture, view types, lineage on rollover and splits,
retention, iterator expiry, disable and delete, throttling."""

from __future__ import annotations

from typing import Any

import pytest

from shardline.errors import (
    ExpiredIteratorException,
    LimitExceededException,
    ResourceNotFoundException,
    TrimmedDataAccessException,
    ValidationException,
)
from shardline.operations.streams import describe_stream, get_shard_iterator
from shardline.operations.tables import describe_table
from shardline.storage.backend import WriteView
from shardline.streams.shards import split_table_shards
from tests.unit.streams.stream_harness import StreamHarness, run_with_harness


def _images(record: dict[str, Any]) -> tuple[str, Any, Any]:
    change = record["dynamodb"]
    return record["eventName"], change.get("OldImage"), change.get("NewImage")


def test_orders_scenario_insert_modify_remove_and_nothing_for_no_ops() -> None:
    async def scenario(h: StreamHarness) -> None:
        arn = await h.create_table()
        await h.put("o1", status="pending")
        await h.put("o1", status="pending")  # identical: no record
        await h.set("o1", "status", "shipped")
        await h.set("o1", "status", "shipped")  # same value: no record
        await h.delete("o1")
        await h.delete("o1")  # missing item: no record
        records = await h.read_all(arn)
        pending = {"id": {"S": "o1"}, "status": {"S": "pending"}}
        shipped = {"id": {"S": "o1"}, "status": {"S": "shipped"}}
        assert [_images(r) for r in records] == [
            ("INSERT", None, pending),
            ("MODIFY", pending, shipped),
            ("REMOVE", shipped, None),
        ]
        numbers = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
        assert numbers == sorted(numbers) and len(set(numbers)) == 3

    run_with_harness(scenario)


def test_update_that_creates_an_item_is_one_insert() -> None:
    async def scenario(h: StreamHarness) -> None:
        arn = await h.create_table()
        await h.set("new", "status", "pending")
        records = await h.read_all(arn)
        assert [r["eventName"] for r in records] == ["INSERT"]
        assert records[0]["dynamodb"]["NewImage"] == {"id": {"S": "new"}, "status": {"S": "pending"}}

    run_with_harness(scenario)


@pytest.mark.parametrize(
    ("view_type", "expected"),
    [
        ("KEYS_ONLY", [set(), set(), set()]),
        ("NEW_IMAGE", [{"NewImage"}, {"NewImage"}, set()]),
        ("OLD_IMAGE", [set(), {"OldImage"}, {"OldImage"}]),
        ("NEW_AND_OLD_IMAGES", [{"NewImage"}, {"NewImage", "OldImage"}, {"OldImage"}]),
    ],
)
def test_view_types(view_type: str, expected: list[set[str]]) -> None:
    async def scenario(h: StreamHarness) -> None:
        arn = await h.create_table(view_type=view_type)
        await h.put("a", v="1")
        await h.put("a", v="2")
        await h.delete("a")
        records = await h.read_all(arn)
        assert [{k for k in r["dynamodb"] if k.endswith("Image")} for r in records] == expected
        assert {r["dynamodb"]["StreamViewType"] for r in records} == {view_type}
        assert all(r["dynamodb"]["Keys"] == {"id": {"S": "a"}} for r in records)

    run_with_harness(scenario)


def test_table_without_stream_has_no_stream() -> None:
    async def scenario(h: StreamHarness) -> None:
        assert await h.create_table(view_type=None) == ""
        await h.put("a", v="1")
        assert (await h.list_streams())["Streams"] == []

    run_with_harness(scenario)


def test_one_items_records_share_a_shard_in_order() -> None:
    async def scenario(h: StreamHarness) -> None:
        arn = await h.create_table()
        for round_ in range(3):
            for item in ("a", "b", "c", "d", "e", "f"):
                await h.put(item, v=str(round_))
        by_shard: dict[str, list[str]] = {}
        for shard in await h.shards(arn):
            page = await h.records(await h.iterator(arn, shard["ShardId"]))
            for record in page["Records"]:
                by_shard.setdefault(record["dynamodb"]["Keys"]["id"]["S"], []).append(shard["ShardId"])
                assert record["dynamodb"]["NewImage"]["v"]["S"] == str(
                    sum(1 for s in by_shard[record["dynamodb"]["Keys"]["id"]["S"]]) - 1
                )
        assert sorted(by_shard) == ["a", "b", "c", "d", "e", "f"]
        assert all(len(set(shards)) == 1 and len(shards) == 3 for shards in by_shard.values())

    run_with_harness(scenario)


def test_new_stream_has_the_configured_partitions() -> None:
    async def scenario(h: StreamHarness) -> None:
        arn = await h.create_table()
        shards = await h.shards(arn)
        assert len(shards) == 3
        assert all("ParentShardId" not in s and "EndingSequenceNumber" not in s["SequenceNumberRange"] for s in shards)

    run_with_harness(scenario, stream_partitions=3)


def test_rollover_closes_shards_and_children_continue_them() -> None:
    async def scenario(h: StreamHarness) -> None:
        arn = await h.create_table()
        await h.put("a", v="before")
        h.clock.advance(59)
        assert (await h.upkeep()).rolled_over == 0
        h.clock.advance(1)
        assert (await h.upkeep()).rolled_over == 2
        await h.put("a", v="after")
        shards = await h.shards(arn)
        parents = [s for s in shards if "ParentShardId" not in s]
        children = [s for s in shards if "ParentShardId" in s]
        assert len(parents) == 2 and len(children) == 2
        assert {c["ParentShardId"] for c in children} == {p["ShardId"] for p in parents}
        assert all("EndingSequenceNumber" in p["SequenceNumberRange"] for p in parents)
        assert [s["ShardId"] for s in shards] == sorted(s["ShardId"] for s in shards)
        for child in children:
            parent = next(p for p in parents if p["ShardId"] == child["ParentShardId"])
            assert int(child["SequenceNumberRange"]["StartingSequenceNumber"]) > int(
                parent["SequenceNumberRange"]["EndingSequenceNumber"]
            )
        records = await h.read_all(arn)  # parents first: ShardId order is lineage order
        assert [r["dynamodb"]["NewImage"]["v"]["S"] for r in records] == ["before", "after"]

    run_with_harness(scenario, stream_partitions=2, shard_rollover_seconds=60)


def test_drained_closed_shard_has_no_next_iterator() -> None:
    async def scenario(h: StreamHarness) -> None:
        arn = await h.create_table()
        await h.put("a", v="1")
        h.clock.advance(60)
        await h.upkeep()
        parent = next(s for s in await h.shards(arn) if "ParentShardId" not in s)
        page = await h.records(await h.iterator(arn, parent["ShardId"]))
        assert len(page["Records"]) == 1
        assert "NextShardIterator" not in page
        latest = await h.records(await h.iterator(arn, parent["ShardId"], "LATEST"))
        assert latest == {"Records": []}

    run_with_harness(scenario, stream_partitions=1, shard_rollover_seconds=60)


def test_open_shard_without_data_returns_empty_page_and_fresh_iterator() -> None:
    async def scenario(h: StreamHarness) -> None:
        arn = await h.create_table()
        shard = (await h.shards(arn))[0]
        first = await h.iterator(arn, shard["ShardId"], "LATEST")
        page = await h.records(first)
        assert page["Records"] == [] and page["NextShardIterator"]
        await h.put("a", v="1")
        following = await h.records(page["NextShardIterator"])
        assert [r["eventName"] for r in following["Records"]] == ["INSERT"]

    run_with_harness(scenario, stream_partitions=1)


def test_split_on_demand_makes_two_children_per_shard() -> None:
    async def scenario(h: StreamHarness) -> None:
        arn = await h.create_table()
        table = await h.storage.read(lambda view: view.get_table("orders"))
        assert table is not None
        now = h.clock.now()

        def split(view: WriteView) -> int:
            return len(split_table_shards(view, table.table_id, now))

        assert await h.storage.write(split) == 2
        shards = await h.shards(arn)
        (parent,) = [s for s in shards if "ParentShardId" not in s]
        assert [s["ParentShardId"] for s in shards if "ParentShardId" in s] == [parent["ShardId"]] * 2
        children = await h.call(
            describe_stream.run,
            StreamArn=arn, ShardFilter={"Type": "CHILD_SHARDS", "ShardId": parent["ShardId"]},
        )
        assert len(children["StreamDescription"]["Shards"]) == 2
        for item in "abcdefgh":
            await h.put(item, v="x")
        assert len(await h.read_all(arn)) == 8

    run_with_harness(scenario, stream_partitions=1)


def test_partition_splits_when_it_grows_past_the_split_size() -> None:
    async def scenario(h: StreamHarness) -> None:
        arn = await h.create_table()
        await h.put("a", v="x" * 100)
        assert (await h.upkeep()).split == 0
        await h.put("b", v="y" * 100)
        assert (await h.upkeep()).split == 1
        assert len(await h.shards(arn)) == 3

    run_with_harness(scenario, stream_partitions=1, partition_split_bytes=300)


def test_retention_trims_records_and_old_positions_are_trimmed() -> None:
    async def scenario(h: StreamHarness) -> None:
        arn = await h.create_table()
        await h.put("a", v="old")
        shard = (await h.shards(arn))[0]
        early = await h.iterator(arn, shard["ShardId"])
        old_number = (await h.records(early))["Records"][0]["dynamodb"]["SequenceNumber"]
        h.clock.advance(50)
        await h.put("a", v="new")
        h.clock.advance(60)
        assert (await h.upkeep()).trimmed_records == 1
        with pytest.raises(TrimmedDataAccessException) as raised:
            await h.records(early)
        assert raised.value.message == "The data you are trying to access has been trimmed"
        with pytest.raises(TrimmedDataAccessException):
            await h.iterator(arn, shard["ShardId"], "AT_SEQUENCE_NUMBER", old_number)
        horizon = await h.records(await h.iterator(arn, shard["ShardId"]))
        assert [r["dynamodb"]["NewImage"]["v"]["S"] for r in horizon["Records"]] == ["new"]

    run_with_harness(scenario, stream_partitions=1, stream_retention_seconds=100, shard_rollover_seconds=10**6)


def test_storage_stays_bounded_under_constant_writes() -> None:
    async def scenario(h: StreamHarness) -> None:
        arn = await h.create_table()
        for _ in range(30):
            await h.put("a", v=str(h.clock.now()))
            h.clock.advance(10)
            await h.upkeep()
        shards = await h.shards(arn)
        assert len(shards) <= 3  # the open shard and closed ones still inside retention
        assert len(await h.read_all(arn)) <= 3

    run_with_harness(scenario, stream_partitions=1, stream_retention_seconds=25, shard_rollover_seconds=20)


def test_iterators_expire_after_their_ttl() -> None:
    async def scenario(h: StreamHarness) -> None:
        arn = await h.create_table()
        shard = (await h.shards(arn))[0]
        iterator = await h.iterator(arn, shard["ShardId"])
        h.clock.advance(30)
        page = await h.records(iterator)
        h.clock.advance(30.5)
        with pytest.raises(ExpiredIteratorException):
            await h.records(iterator)
        # the iterator GetRecords handed back is fresh
        assert (await h.records(page["NextShardIterator"]))["Records"] == []

    run_with_harness(scenario, stream_partitions=1, iterator_ttl_seconds=60)


def test_disable_closes_shards_and_reenable_makes_a_new_stream() -> None:
    async def scenario(h: StreamHarness) -> None:
        first = await h.create_table()
        await h.put("a", v="1")
        h.clock.advance(1)
        updated = (await h.update_table(StreamSpecification={"StreamEnabled": False}))["TableDescription"]
        assert "StreamSpecification" not in updated and updated["LatestStreamArn"] == first
        described = await describe_table.run(h.context(), {"TableName": "orders"})
        assert "StreamSpecification" not in described["Table"]
        stream = await h.call(describe_stream.run, StreamArn=first)
        assert stream["StreamDescription"]["StreamStatus"] == "DISABLED"
        assert all("EndingSequenceNumber" in s["SequenceNumberRange"] for s in stream["StreamDescription"]["Shards"])
        await h.put("a", v="2")  # no stream now: nothing recorded
        assert [r["dynamodb"]["NewImage"]["v"]["S"] for r in await h.read_all(first)] == ["1"]
        h.clock.advance(1)
        again = await h.update_table(StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
        second = again["TableDescription"]["LatestStreamArn"]
        assert second != first
        await h.put("a", v="3")
        assert [r["eventName"] for r in await h.read_all(second)] == ["MODIFY"]
        listed = (await h.list_streams(TableName="orders"))["Streams"]
        assert sorted(s["StreamArn"] for s in listed) == sorted([first, second])

    run_with_harness(scenario)


def test_deleted_tables_stream_stays_readable_until_retention_ends() -> None:
    async def scenario(h: StreamHarness) -> None:
        arn = await h.create_table()
        await h.put("a", v="1")
        await h.delete_table()
        assert [r["eventName"] for r in await h.read_all(arn)] == ["INSERT"]
        assert [s["StreamArn"] for s in (await h.list_streams())["Streams"]] == [arn]
        h.clock.advance(100)
        await h.upkeep()
        assert (await h.list_streams())["Streams"] == []
        with pytest.raises(ResourceNotFoundException) as raised:
            await h.shards(arn)
        assert raised.value.message == f"Requested resource not found: Stream: {arn} not found"

    run_with_harness(scenario, stream_retention_seconds=100)


def test_iterator_positions() -> None:
    async def scenario(h: StreamHarness) -> None:
        arn = await h.create_table()
        for value in ("1", "2", "3"):
            await h.put("a", v=value)
        shard = (await h.shards(arn))[0]["ShardId"]
        records = (await h.records(await h.iterator(arn, shard)))["Records"]
        second = records[1]["dynamodb"]["SequenceNumber"]

        async def values(kind: str, sequence: str | None = None) -> list[str]:
            page = await h.records(await h.iterator(arn, shard, kind, sequence))
            return [r["dynamodb"]["NewImage"]["v"]["S"] for r in page["Records"]]

        assert await values("TRIM_HORIZON") == ["1", "2", "3"]
        assert await values("LATEST") == []
        assert await values("AT_SEQUENCE_NUMBER", second) == ["2", "3"]
        assert await values("AFTER_SEQUENCE_NUMBER", second) == ["3"]
        limited = await h.records(await h.iterator(arn, shard), limit=2)
        assert len(limited["Records"]) == 2
        rest = await h.records(limited["NextShardIterator"])
        assert [r["dynamodb"]["NewImage"]["v"]["S"] for r in rest["Records"]] == ["3"]

    run_with_harness(scenario, stream_partitions=1)


def test_iterator_request_errors() -> None:
    async def scenario(h: StreamHarness) -> None:
        arn = await h.create_table()
        shard = (await h.shards(arn))[0]["ShardId"]
        with pytest.raises(ValidationException):
            await h.iterator(arn, shard, "AT_SEQUENCE_NUMBER")
        with pytest.raises(ValidationException):
            await h.iterator(arn, shard, "LATEST", "100000000000000000001")
        with pytest.raises(ResourceNotFoundException):
            await h.iterator(arn, "shardId-00000000000000000000-00000000")
        missing = arn.replace("orders", "nothing")
        with pytest.raises(ResourceNotFoundException) as raised:
            await h.iterator(missing, shard)
        assert raised.value.message == f"Requested resource not found: Stream: {missing} not found"

    run_with_harness(scenario, stream_partitions=1)


def test_throttling_limits_reads_per_shard() -> None:
    async def scenario(h: StreamHarness) -> None:
        arn = await h.create_table()
        shard = (await h.shards(arn))[0]["ShardId"]
        iterator = await h.iterator(arn, shard)
        for _ in range(10):
            await h.records(iterator)
        with pytest.raises(LimitExceededException):
            await h.records(iterator)
        h.clock.advance(0.5)  # five polls a second for each of two readers refill the budget
        for _ in range(5):
            await h.records(iterator)

    run_with_harness(scenario, stream_partitions=1, stream_throttling=True)


def test_at_timestamp_starts_at_the_first_record_from_that_time() -> None:
    async def scenario(h: StreamHarness) -> None:
        arn = await h.create_table()
        await h.put("a", v="early")
        h.clock.advance(10)
        middle = h.clock.now()
        h.clock.advance(10)
        await h.put("a", v="late")
        shard = (await h.shards(arn))[0]["ShardId"]
        body = {"StreamArn": arn, "ShardId": shard, "ShardIteratorType": "AT_TIMESTAMP", "Timestamp": middle}
        iterator = (await h.call(get_shard_iterator.run, **body))["ShardIterator"]
        page = await h.records(iterator)
        assert [r["dynamodb"]["NewImage"]["v"]["S"] for r in page["Records"]] == ["late"]
        with pytest.raises(ValidationException):
            await h.call(get_shard_iterator.run, **{**body, "Timestamp": "not a time"})
        with pytest.raises(ValidationException):
            await h.call(get_shard_iterator.run, **{**body, "ShardIteratorType": "LATEST"})

    run_with_harness(scenario, stream_partitions=1)


def test_reenable_within_the_same_millisecond_gets_a_new_stream() -> None:
    async def scenario(h: StreamHarness) -> None:
        first = await h.create_table()
        await h.update_table(StreamSpecification={"StreamEnabled": False})
        again = await h.update_table(StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
        second = again["TableDescription"]["LatestStreamArn"]
        assert second != first
        await h.put("a", v="1")
        assert [r["eventName"] for r in await h.read_all(second)] == ["INSERT"]
        assert await h.read_all(first) == []

    run_with_harness(scenario)
