"""Scan over the wire: whole tables and indexes, filters, projections, paging, parallel segments and errors."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.wire.conftest import error_of, unique_name


def rejected(call: Any, **params: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as excinfo:
        call(**params)
    return error_of(excinfo)


def scan_all(dynamodb: Any, table: str, **params: Any) -> tuple[list[dict[str, Any]], int]:
    """Every item of a (segment of a) scan, following LastEvaluatedKey; and the number of pages."""
    items: list[dict[str, Any]] = []
    pages = 0
    start = None
    while True:
        if start is not None:
            params["ExclusiveStartKey"] = start
        response = dynamodb.scan(TableName=table, **params)
        pages += 1
        items.extend(response.get("Items", []))
        start = response.get("LastEvaluatedKey")
        if start is None:
            return items, pages


@pytest.fixture(scope="module")
def filled_range_table(dynamodb: Any) -> str:
    """Read-only for the tests of this module, so it is filled once."""
    range_table = unique_name("scan")
    dynamodb.create_table(
        TableName=range_table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    for partition in range(40):
        for order in range(3):
            dynamodb.put_item(
                TableName=range_table,
                Item={"pk": {"S": f"user-{partition}"}, "sk": {"N": str(order)}, "n": {"N": str(partition)}},
            )
    return range_table


def keys_of(items: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(item["pk"]["S"], item["sk"]["N"]) for item in items]


EVERY_KEY = sorted((f"user-{partition}", str(order)) for partition in range(40) for order in range(3))


def test_scan_returns_every_item_once(dynamodb: Any, filled_range_table: str) -> None:
    response = dynamodb.scan(TableName=filled_range_table)
    assert sorted(keys_of(response["Items"])) == EVERY_KEY
    assert response["Count"] == response["ScannedCount"] == 120
    assert "LastEvaluatedKey" not in response


def test_items_of_one_partition_come_together_in_sort_order(dynamodb: Any, filled_range_table: str) -> None:
    keys = keys_of(dynamodb.scan(TableName=filled_range_table)["Items"])
    for index in range(0, 120, 3):
        partition = keys[index][0]
        assert keys[index : index + 3] == [(partition, "0"), (partition, "1"), (partition, "2")]


def test_paging_with_limit_sees_every_item_once(dynamodb: Any, filled_range_table: str) -> None:
    items, pages = scan_all(dynamodb, filled_range_table, Limit=7)
    assert sorted(keys_of(items)) == EVERY_KEY
    assert len(items) == 120
    assert pages == 18  # 17 full pages and the last, which holds the final item and ends the scan


@pytest.mark.parametrize("total", [1, 2, 3, 7, 64])
def test_parallel_segments_cover_the_table_exactly_once(dynamodb: Any, filled_range_table: str, total: int) -> None:
    seen: list[tuple[str, str]] = []
    for segment in range(total):
        items, _ = scan_all(dynamodb, filled_range_table, Segment=segment, TotalSegments=total, Limit=5)
        seen.extend(keys_of(items))
    assert sorted(seen) == EVERY_KEY


def test_a_partition_lies_in_one_segment(dynamodb: Any, filled_range_table: str) -> None:
    owners: dict[str, set[int]] = {}
    for segment in range(4):
        items, _ = scan_all(dynamodb, filled_range_table, Segment=segment, TotalSegments=4)
        for partition, _ in keys_of(items):
            owners.setdefault(partition, set()).add(segment)
    assert all(len(segments) == 1 for segments in owners.values())
    assert len({next(iter(segments)) for segments in owners.values()}) > 1  # 40 partitions spread out


def test_filter_and_projection(dynamodb: Any, filled_range_table: str) -> None:
    response = dynamodb.scan(
        TableName=filled_range_table,
        FilterExpression="n < :five AND sk = :zero",
        ExpressionAttributeValues={":five": {"N": "5"}, ":zero": {"N": "0"}},
        ProjectionExpression="pk, n",
    )
    assert sorted(item["n"]["N"] for item in response["Items"]) == ["0", "1", "2", "3", "4"]
    assert all(set(item) == {"pk", "n"} for item in response["Items"])
    assert response["Count"] == 5 and response["ScannedCount"] == 120


def test_limit_is_counted_before_the_filter(dynamodb: Any, filled_range_table: str) -> None:
    response = dynamodb.scan(
        TableName=filled_range_table,
        Limit=10,
        FilterExpression="sk = :two",
        ExpressionAttributeValues={":two": {"N": "2"}},
    )
    assert response["ScannedCount"] == 10
    assert response["Count"] == len(response["Items"]) <= 4
    assert "LastEvaluatedKey" in response


def test_select_count_keeps_paging(dynamodb: Any, filled_range_table: str) -> None:
    response = dynamodb.scan(TableName=filled_range_table, Select="COUNT", Limit=1, ConsistentRead=True)
    assert response["Count"] == 1 and response["ScannedCount"] == 1
    assert "Items" not in response
    assert set(response["LastEvaluatedKey"]) == {"pk", "sk"}


def test_capacity_of_a_scan(dynamodb: Any, hash_table: str) -> None:
    for index in range(3):
        dynamodb.put_item(TableName=hash_table, Item={"pk": {"S": f"k{index}"}, "d": {"S": "z" * 5000}})
    # About 15 KB read, rounded up once to 16 KB: 4 units, half when eventually consistent.
    eventual = dynamodb.scan(TableName=hash_table, ReturnConsumedCapacity="TOTAL")
    assert eventual["ConsumedCapacity"] == {"TableName": hash_table, "CapacityUnits": 2.0}
    strong = dynamodb.scan(TableName=hash_table, ReturnConsumedCapacity="INDEXES", ConsistentRead=True)
    assert strong["ConsumedCapacity"] == {
        "TableName": hash_table,
        "CapacityUnits": 4.0,
        "Table": {"CapacityUnits": 4.0},
    }


def test_scan_of_an_empty_table(dynamodb: Any, hash_table: str) -> None:
    response = dynamodb.scan(TableName=hash_table)
    assert response["Items"] == [] and response["Count"] == 0 and response["ScannedCount"] == 0


# --- indexes --------------------------------------------------------------------------------------------


@pytest.fixture
def gsi_table(dynamodb: Any) -> str:
    name = unique_name("scan-gsi")
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "colour", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by_colour",
                "KeySchema": [{"AttributeName": "colour", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    for index in range(30):
        item = {"pk": {"S": f"k{index}"}, "memo": {"S": "m"}}
        if index % 3:
            item["colour"] = {"S": f"c{index % 5}"}
        dynamodb.put_item(TableName=name, Item=item)
    return name


def test_scan_of_a_sparse_keys_only_index(dynamodb: Any, gsi_table: str) -> None:
    items, _ = scan_all(dynamodb, gsi_table, IndexName="by_colour", Limit=4)
    assert sorted(item["pk"]["S"] for item in items) == sorted(f"k{i}" for i in range(30) if i % 3)
    assert all(set(item) == {"pk", "colour"} for item in items)


def test_parallel_scan_of_an_index(dynamodb: Any, gsi_table: str) -> None:
    seen: list[str] = []
    for segment in range(3):
        items, _ = scan_all(dynamodb, gsi_table, IndexName="by_colour", Segment=segment, TotalSegments=3, Limit=3)
        seen.extend(item["pk"]["S"] for item in items)
    assert sorted(seen) == sorted(f"k{i}" for i in range(30) if i % 3)


def test_index_scan_errors(dynamodb: Any, gsi_table: str) -> None:
    assert rejected(dynamodb.scan, TableName=gsi_table, IndexName="by_colour", ConsistentRead=True) == (
        "ValidationException",
        "Consistent reads are not supported on global secondary indexes",
    )
    assert rejected(dynamodb.scan, TableName=gsi_table, IndexName="by_colour", Select="ALL_ATTRIBUTES") == (
        "ValidationException",
        "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global "
        "secondary index by_colour because its projection type is not ALL",
    )
    assert rejected(dynamodb.scan, TableName=gsi_table, IndexName="nope") == (
        "ValidationException",
        "The table does not have the specified index: nope",
    )
    assert rejected(dynamodb.scan, TableName=gsi_table, IndexName="nope", ExclusiveStartKey={"pk": {"S": "k1"}}) == (
        "ValidationException",
        "The provided starting key is invalid",
    )
    assert rejected(
        dynamodb.scan, TableName=gsi_table, IndexName="by_colour", ExclusiveStartKey={"pk": {"S": "k1"}}
    ) == ("ValidationException", "The provided starting key is invalid")


# --- validation -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"Segment": 0},
            "The TotalSegments parameter is required but was not present in the request when Segment parameter "
            "is present",
        ),
        (
            {"TotalSegments": 2},
            "The Segment parameter is required but was not present in the request when parameter TotalSegments "
            "is present",
        ),
        (
            {"Segment": 3, "TotalSegments": 3},
            "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 3 is not "
            "less than TotalSegments: 3",
        ),
        (
            {"TotalSegments": 1000001, "Segment": 0},
            "1 validation error detected: Value '1000001' at 'totalSegments' failed to satisfy constraint: "
            "Member must have value less than or equal to 1000000",
        ),
        (
            {"Select": "COUNT", "AttributesToGet": ["pk"]},
            "Cannot specify the AttributesToGet when choosing to get only the Count",
        ),
        (
            {"Select": "ALL_PROJECTED_ATTRIBUTES"},
            "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName",
        ),
        (
            {"Select": "SPECIFIC_ATTRIBUTES"},
            "Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES",
        ),
        (
            {"ProjectionExpression": "pk.part"},
            "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: pk",
        ),
    ],
)
def test_parameter_errors(dynamodb: Any, hash_table: str, params: dict[str, Any], message: str) -> None:
    assert rejected(dynamodb.scan, TableName=hash_table, **params) == ("ValidationException", message)


@pytest.mark.parametrize(
    ("start", "message"),
    [
        (
            {"pk": {"S": "a"}, "x": {"S": "b"}},
            "The provided starting key is invalid: The provided key element does not match the schema",
        ),
        (
            {"pk": {"N": "1"}},
            "The provided starting key is invalid: The provided key element does not match the schema",
        ),
        ({"pk": {"S": ""}}, None),
    ],
)
def test_start_key_errors(dynamodb: Any, hash_table: str, start: dict[str, Any], message: str | None) -> None:
    code, text = rejected(dynamodb.scan, TableName=hash_table, ExclusiveStartKey=start)
    assert code == "ValidationException"
    if message is not None:
        assert text == message
    else:
        assert text.startswith("The provided starting key is invalid: ")


def test_start_key_must_belong_to_the_segment(dynamodb: Any, filled_range_table: str) -> None:
    first = dynamodb.scan(TableName=filled_range_table, Segment=0, TotalSegments=2, Limit=1)
    start = first["LastEvaluatedKey"]
    assert rejected(
        dynamodb.scan, TableName=filled_range_table, Segment=1, TotalSegments=2, ExclusiveStartKey=start
    ) == (
        "ValidationException",
        "The provided starting key is invalid: Invalid ExclusiveStartKey. Please use ExclusiveStartKey with "
        "correct Segment. TotalSegments: 2 Segment: 1",
    )


def test_unknown_table(dynamodb: Any) -> None:
    assert rejected(dynamodb.scan, TableName=unique_name("none")) == (
        "ResourceNotFoundException",
        "Requested resource not found",
    )
