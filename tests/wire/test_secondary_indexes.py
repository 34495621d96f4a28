"""Secondary indexes over the wire: LSIs and GSIs follow every write, sparse indexes, projections,
GSIs added by UpdateTable (backfilled, then ACTIVE) and deleted, and the counts DescribeTable reports."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.wire.conftest import error_of, unique_name

# More than the number of items UpdateTable indexes inside its own transaction, so the build of a GSI
# over this many items runs in the background, in batches.
BACKGROUND_BUILD_ITEMS = 1200


def key_schema(partition: str, sort: str | None = None) -> list[dict[str, str]]:
    schema = [{"AttributeName": partition, "KeyType": "HASH"}]
    if sort is not None:
        schema.append({"AttributeName": sort, "KeyType": "RANGE"})
    return schema


@pytest.fixture
def indexed_table(dynamodb: Any) -> Iterator[str]:
    """pk (S) / sk (N), with
    - lsi-keys: LSI on (pk, lsk S), KEYS_ONLY
    - gsi-include: GSI on (g S, gs N), INCLUDE [colour]
    - gsi-all: GSI on (g2 S), ALL"""
    name = unique_name("indexed")
    dynamodb.create_table(
        TableName=name,
        KeySchema=key_schema("pk", "sk"),
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
            {"AttributeName": "lsk", "AttributeType": "S"},
            {"AttributeName": "g", "AttributeType": "S"},
            {"AttributeName": "gs", "AttributeType": "N"},
            {"AttributeName": "g2", "AttributeType": "S"},
        ],
        LocalSecondaryIndexes=[
            {
                "IndexName": "lsi-keys",
                "KeySchema": key_schema("pk", "lsk"),
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "gsi-include",
                "KeySchema": key_schema("g", "gs"),
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["colour"]},
            },
            {"IndexName": "gsi-all", "KeySchema": key_schema("g2"), "Projection": {"ProjectionType": "ALL"}},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    yield name
    dynamodb.delete_table(TableName=name)


def query_index(dynamodb: Any, table: str, index: str, partition_name: str, partition: str) -> list[Any]:
    answer = dynamodb.query(
        TableName=table,
        IndexName=index,
        KeyConditionExpression="#p = :p",
        ExpressionAttributeNames={"#p": partition_name},
        ExpressionAttributeValues={":p": {"S": partition}},
    )
    items: list[Any] = answer["Items"]
    return items


def scan_index(dynamodb: Any, table: str, index: str) -> list[Any]:
    items: list[Any] = []
    arguments: dict[str, Any] = {"TableName": table, "IndexName": index}
    while True:
        answer = dynamodb.scan(**arguments)
        items.extend(answer["Items"])
        if "LastEvaluatedKey" not in answer:
            return items
        arguments["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


def index_counts(dynamodb: Any, table: str) -> dict[str, tuple[int, int]]:
    described = dynamodb.describe_table(TableName=table)["Table"]
    indexes = described.get("LocalSecondaryIndexes", []) + described.get("GlobalSecondaryIndexes", [])
    return {index["IndexName"]: (index["ItemCount"], index["IndexSizeBytes"]) for index in indexes}


def wait_until_active(dynamodb: Any, table: str, index: str, seconds: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        for described in dynamodb.describe_table(TableName=table)["Table"].get("GlobalSecondaryIndexes", []):
            if described["IndexName"] == index and described["IndexStatus"] == "ACTIVE":
                found: dict[str, Any] = described
                return found
        if time.monotonic() > deadline:
            raise AssertionError(f"index {index} did not become ACTIVE within {seconds} s")
        time.sleep(0.05)


def wait_until_gone(dynamodb: Any, table: str, index: str, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        described = dynamodb.describe_table(TableName=table)["Table"].get("GlobalSecondaryIndexes", [])
        if all(entry["IndexName"] != index for entry in described):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"index {index} was not removed within {seconds} s")
        time.sleep(0.05)


def full_item(pk: str, sk: int, **extra: str) -> dict[str, Any]:
    item: dict[str, Any] = {"pk": {"S": pk}, "sk": {"N": str(sk)}}
    for name, value in extra.items():
        item[name] = {"N": value} if name == "gs" else {"S": value}
    return item


def test_projections_keys_only_include_and_all(dynamodb: Any, indexed_table: str) -> None:
    item = full_item("p1", 1, lsk="l", g="gv", gs="5", g2="g2v", colour="red", size="large")
    dynamodb.put_item(TableName=indexed_table, Item=item)
    [keys_only] = query_index(dynamodb, indexed_table, "lsi-keys", "pk", "p1")
    assert keys_only == {"pk": item["pk"], "sk": item["sk"], "lsk": item["lsk"]}
    [included] = query_index(dynamodb, indexed_table, "gsi-include", "g", "gv")
    assert included == {
        "pk": item["pk"], "sk": item["sk"], "g": item["g"], "gs": item["gs"], "colour": item["colour"]
    }
    [whole] = query_index(dynamodb, indexed_table, "gsi-all", "g2", "g2v")
    assert whole == item


def test_indexes_follow_overwrites_updates_and_deletes(dynamodb: Any, indexed_table: str) -> None:
    dynamodb.put_item(TableName=indexed_table, Item=full_item("p1", 1, g="old", gs="1", colour="red"))
    assert len(query_index(dynamodb, indexed_table, "gsi-include", "g", "old")) == 1
    # overwriting with a new index key moves the entry
    dynamodb.put_item(TableName=indexed_table, Item=full_item("p1", 1, g="new", gs="1", colour="blue"))
    assert query_index(dynamodb, indexed_table, "gsi-include", "g", "old") == []
    [moved] = query_index(dynamodb, indexed_table, "gsi-include", "g", "new")
    assert moved["colour"] == {"S": "blue"}
    # an update of a projected attribute reaches the entry
    dynamodb.update_item(
        TableName=indexed_table,
        Key={"pk": {"S": "p1"}, "sk": {"N": "1"}},
        UpdateExpression="SET colour = :c",
        ExpressionAttributeValues={":c": {"S": "green"}},
    )
    [updated] = query_index(dynamodb, indexed_table, "gsi-include", "g", "new")
    assert updated["colour"] == {"S": "green"}
    # removing an index key attribute takes the item out of the index
    dynamodb.update_item(
        TableName=indexed_table, Key={"pk": {"S": "p1"}, "sk": {"N": "1"}}, UpdateExpression="REMOVE gs"
    )
    assert query_index(dynamodb, indexed_table, "gsi-include", "g", "new") == []
    dynamodb.update_item(
        TableName=indexed_table,
        Key={"pk": {"S": "p1"}, "sk": {"N": "1"}},
        UpdateExpression="SET gs = :n",
        ExpressionAttributeValues={":n": {"N": "7"}},
    )
    assert len(query_index(dynamodb, indexed_table, "gsi-include", "g", "new")) == 1
    dynamodb.delete_item(TableName=indexed_table, Key={"pk": {"S": "p1"}, "sk": {"N": "1"}})
    assert query_index(dynamodb, indexed_table, "gsi-include", "g", "new") == []
    assert index_counts(dynamodb, indexed_table)["gsi-include"] == (0, 0)


def test_sparse_indexes_hold_only_items_with_every_key_attribute(dynamodb: Any, indexed_table: str) -> None:
    dynamodb.put_item(TableName=indexed_table, Item=full_item("p", 1, g="a", gs="1"))
    dynamodb.put_item(TableName=indexed_table, Item=full_item("p", 2, g="a"))  # no gs: not in gsi-include
    dynamodb.put_item(TableName=indexed_table, Item=full_item("p", 3, gs="3"))  # no g
    dynamodb.put_item(TableName=indexed_table, Item=full_item("p", 4, lsk="x", g2="b"))
    in_include = scan_index(dynamodb, indexed_table, "gsi-include")
    assert [entry["sk"] for entry in in_include] == [{"N": "1"}]
    assert [entry["sk"] for entry in scan_index(dynamodb, indexed_table, "lsi-keys")] == [{"N": "4"}]
    assert [entry["sk"] for entry in scan_index(dynamodb, indexed_table, "gsi-all")] == [{"N": "4"}]
    counts = index_counts(dynamodb, indexed_table)
    assert {name: count for name, (count, _) in counts.items()} == {
        "lsi-keys": 1, "gsi-include": 1, "gsi-all": 1
    }
    assert all(size > 0 for _, size in counts.values())


def test_entries_with_equal_index_keys_are_all_kept(dynamodb: Any, indexed_table: str) -> None:
    for sk in range(5):
        dynamodb.put_item(TableName=indexed_table, Item=full_item(f"p{sk % 2}", sk, g2="same"))
    found = query_index(dynamodb, indexed_table, "gsi-all", "g2", "same")
    assert sorted((entry["pk"]["S"], int(entry["sk"]["N"])) for entry in found) == [
        ("p0", 0), ("p0", 2), ("p0", 4), ("p1", 1), ("p1", 3)
    ]
    assert index_counts(dynamodb, indexed_table)["gsi-all"][0] == 5


def test_index_size_follows_the_projected_attributes(dynamodb: Any, indexed_table: str) -> None:
    dynamodb.put_item(TableName=indexed_table, Item=full_item("p", 1, lsk="k", g="a", gs="1", g2="b"))
    before = index_counts(dynamodb, indexed_table)
    dynamodb.update_item(
        TableName=indexed_table,
        Key={"pk": {"S": "p"}, "sk": {"N": "1"}},
        UpdateExpression="SET colour = :c, extra = :e",
        ExpressionAttributeValues={":c": {"S": "x" * 100}, ":e": {"S": "y" * 50}},
    )
    after = index_counts(dynamodb, indexed_table)
    assert after["lsi-keys"] == before["lsi-keys"]  # KEYS_ONLY: neither attribute is projected
    # INCLUDE gains "colour" (6 bytes of name + 100 of value); ALL gains both attributes
    assert after["gsi-include"][1] - before["gsi-include"][1] == 106
    assert after["gsi-all"][1] - before["gsi-all"][1] == 106 + 55


def test_update_table_adds_a_gsi_over_existing_items(dynamodb: Any, hash_table: str) -> None:
    for n in range(10):
        item = {"pk": {"S": f"k{n}"}, "team": {"S": f"t{n % 3}"}}
        dynamodb.put_item(TableName=hash_table, Item=item)
    dynamodb.put_item(TableName=hash_table, Item={"pk": {"S": "wrong-type"}, "team": {"N": "1"}})
    answer = dynamodb.update_table(
        TableName=hash_table,
        AttributeDefinitions=[{"AttributeName": "team", "AttributeType": "S"}],
        GlobalSecondaryIndexUpdates=[
            {
                "Create": {
                    "IndexName": "by-team",
                    "KeySchema": key_schema("team"),
                    "Projection": {"ProjectionType": "KEYS_ONLY"},
                }
            }
        ],
    )["TableDescription"]
    [creating] = answer["GlobalSecondaryIndexes"]
    assert (creating["IndexStatus"], creating["Backfilling"]) == ("CREATING", False)
    active = wait_until_active(dynamodb, hash_table, "by-team")
    assert "Backfilling" not in active
    # the item whose "team" is a number does not qualify for an S-keyed index
    assert active["ItemCount"] == 10
    found = query_index(dynamodb, hash_table, "by-team", "team", "t1")
    assert sorted(entry["pk"]["S"] for entry in found) == ["k1", "k4", "k7"]
    dynamodb.put_item(TableName=hash_table, Item={"pk": {"S": "k99"}, "team": {"S": "t1"}})
    assert len(query_index(dynamodb, hash_table, "by-team", "team", "t1")) == 4


def test_a_large_backfill_runs_in_the_background_and_sees_later_writes(dynamodb: Any, hash_table: str) -> None:
    requests = [
        {"PutRequest": {"Item": {"pk": {"S": f"k{n:05d}"}, "b7": {"N": str(n % 7)}}}}
        for n in range(BACKGROUND_BUILD_ITEMS)
    ]
    for start in range(0, len(requests), 25):
        dynamodb.batch_write_item(RequestItems={hash_table: requests[start : start + 25]})
    answer = dynamodb.update_table(
        TableName=hash_table,
        AttributeDefinitions=[{"AttributeName": "b7", "AttributeType": "N"}],
        GlobalSecondaryIndexUpdates=[
            {
                "Create": {
                    "IndexName": "by-b7",
                    "KeySchema": key_schema("b7", "pk"),
                    "Projection": {"ProjectionType": "ALL"},
                }
            }
        ],
    )["TableDescription"]
    assert answer["GlobalSecondaryIndexes"][0]["IndexStatus"] == "CREATING"
    # written while the build runs: it must be in the index once the index is ACTIVE
    dynamodb.put_item(TableName=hash_table, Item={"pk": {"S": "late"}, "b7": {"N": "3"}})
    dynamodb.delete_item(TableName=hash_table, Key={"pk": {"S": "k00003"}})  # bucket 3 too
    active = wait_until_active(dynamodb, hash_table, "by-b7")
    assert active["ItemCount"] == BACKGROUND_BUILD_ITEMS
    answer = dynamodb.query(
        TableName=hash_table,
        IndexName="by-b7",
        KeyConditionExpression="b7 = :b",
        ExpressionAttributeValues={":b": {"N": "3"}},
        Select="COUNT",
    )
    expected = sum(1 for n in range(BACKGROUND_BUILD_ITEMS) if n % 7 == 3)  # minus k00003, plus "late"
    assert answer["Count"] == expected


def test_update_table_deletes_a_gsi_and_its_entries(dynamodb: Any, indexed_table: str) -> None:
    dynamodb.put_item(TableName=indexed_table, Item=full_item("p", 1, g="a", gs="1", g2="b"))
    answer = dynamodb.update_table(
        TableName=indexed_table, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "gsi-include"}}]
    )["TableDescription"]
    statuses = {index["IndexName"]: index["IndexStatus"] for index in answer["GlobalSecondaryIndexes"]}
    assert statuses == {"gsi-include": "DELETING", "gsi-all": "ACTIVE"}
    wait_until_gone(dynamodb, indexed_table, "gsi-include")
    with pytest.raises(ClientError) as refused:
        query_index(dynamodb, indexed_table, "gsi-include", "g", "a")
    assert error_of(refused) == (
        "ValidationException", "The table does not have the specified index: gsi-include"
    )
    described = dynamodb.describe_table(TableName=indexed_table)["Table"]
    names = {definition["AttributeName"] for definition in described["AttributeDefinitions"]}
    assert names == {"pk", "sk", "lsk", "g2"}
    assert len(query_index(dynamodb, indexed_table, "gsi-all", "g2", "b")) == 1


def test_a_large_gsi_is_deleted_in_the_background(dynamodb: Any, hash_table: str) -> None:
    dynamodb.update_table(
        TableName=hash_table,
        AttributeDefinitions=[{"AttributeName": "b7", "AttributeType": "N"}],
        GlobalSecondaryIndexUpdates=[
            {
                "Create": {
                    "IndexName": "by-b7",
                    "KeySchema": key_schema("b7"),
                    "Projection": {"ProjectionType": "KEYS_ONLY"},
                }
            }
        ],
    )
    wait_until_active(dynamodb, hash_table, "by-b7")
    requests = [
        {"PutRequest": {"Item": {"pk": {"S": f"k{n:05d}"}, "b7": {"N": str(n % 7)}}}}
        for n in range(BACKGROUND_BUILD_ITEMS)
    ]
    for start in range(0, len(requests), 25):
        dynamodb.batch_write_item(RequestItems={hash_table: requests[start : start + 25]})
    assert index_counts(dynamodb, hash_table)["by-b7"][0] == BACKGROUND_BUILD_ITEMS
    answer = dynamodb.update_table(
        TableName=hash_table, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "by-b7"}}]
    )["TableDescription"]
    assert answer["GlobalSecondaryIndexes"][0]["IndexStatus"] == "DELETING"
    wait_until_gone(dynamodb, hash_table, "by-b7")
    assert [d["AttributeName"] for d in dynamodb.describe_table(TableName=hash_table)["Table"][
        "AttributeDefinitions"
    ]] == ["pk"]


def test_delete_table_removes_index_entries(dynamodb: Any) -> None:
    name = unique_name("recreated")

    def create() -> None:
        dynamodb.create_table(
            TableName=name,
            KeySchema=key_schema("pk"),
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "g", "AttributeType": "S"},
            ],
            GlobalSecondaryIndexes=[
                {"IndexName": "by-g", "KeySchema": key_schema("g"), "Projection": {"ProjectionType": "ALL"}}
            ],
            BillingMode="PAY_PER_REQUEST",
        )

    create()
    dynamodb.put_item(TableName=name, Item={"pk": {"S": "a"}, "g": {"S": "x"}})
    deleted = dynamodb.delete_table(TableName=name)["TableDescription"]
    assert deleted["GlobalSecondaryIndexes"][0]["ItemCount"] == 1
    create()
    assert query_index(dynamodb, name, "by-g", "g", "x") == []
    assert index_counts(dynamodb, name)["by-g"] == (0, 0)
    dynamodb.delete_table(TableName=name)
