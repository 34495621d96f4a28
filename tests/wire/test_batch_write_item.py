"""BatchWriteItem over the wire: puts and deletes across tables, capacity, metrics and AWS's errors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.wire.conftest import error_of, unique_name


def rejected(dynamodb: Any, **params: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as excinfo:
        dynamodb.batch_write_item(**params)
    return error_of(excinfo)


def stored(dynamodb: Any, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
    item: dict[str, Any] | None = dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
    return item


def put(item: dict[str, Any]) -> dict[str, Any]:
    return {"PutRequest": {"Item": item}}


def delete(key: dict[str, Any]) -> dict[str, Any]:
    return {"DeleteRequest": {"Key": key}}


@pytest.fixture
def lsi_table(dynamodb: Any) -> Iterator[str]:
    """pk (S) + sk (S), with a local secondary index on `alt`."""
    name = unique_name("lsi")
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "alt", "AttributeType": "S"},
        ],
        LocalSecondaryIndexes=[
            {
                "IndexName": "by-alt",
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "alt", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    yield name


# --- behaviour ------------------------------------------------------------------------------------


def test_puts_into_two_tables(dynamodb: Any, hash_table: str, range_table: str) -> None:
    item = {"pk": {"S": "a"}, "c": {"S": "c"}}
    ranged = {"pk": {"S": "b"}, "sk": {"N": "2"}, "c": {"S": "d"}}
    response = dynamodb.batch_write_item(RequestItems={hash_table: [put(item)], range_table: [put(ranged)]})
    assert response["UnprocessedItems"] == {}
    assert "ConsumedCapacity" not in response and "ItemCollectionMetrics" not in response
    assert stored(dynamodb, hash_table, {"pk": {"S": "a"}}) == item
    assert stored(dynamodb, range_table, {"pk": {"S": "b"}, "sk": {"N": "2"}}) == ranged


def test_deletes_and_puts_together(dynamodb: Any, hash_table: str) -> None:
    old = {"pk": {"S": "old"}, "v": {"N": "1"}}
    dynamodb.put_item(TableName=hash_table, Item=old)
    replacement = {"pk": {"S": "new"}, "v": {"N": "2"}}
    response = dynamodb.batch_write_item(
        RequestItems={hash_table: [delete({"pk": {"S": "old"}}), put(replacement), delete({"pk": {"S": "never"}})]}
    )
    assert response["UnprocessedItems"] == {}
    assert stored(dynamodb, hash_table, {"pk": {"S": "old"}}) is None
    assert stored(dynamodb, hash_table, {"pk": {"S": "new"}}) == replacement


def test_put_replaces_an_existing_item(dynamodb: Any, hash_table: str) -> None:
    dynamodb.put_item(TableName=hash_table, Item={"pk": {"S": "a"}, "gone": {"S": "x"}})
    dynamodb.batch_write_item(RequestItems={hash_table: [put({"pk": {"S": "a"}, "kept": {"S": "y"}})]})
    assert stored(dynamodb, hash_table, {"pk": {"S": "a"}}) == {"pk": {"S": "a"}, "kept": {"S": "y"}}


def test_twenty_five_requests_are_all_written(dynamodb: Any, hash_table: str) -> None:
    requests = [put({"pk": {"S": f"k{index}"}, "n": {"N": str(index)}}) for index in range(25)]
    assert dynamodb.batch_write_item(RequestItems={hash_table: requests})["UnprocessedItems"] == {}
    scanned = dynamodb.scan(TableName=hash_table, ConsistentRead=True)["Items"]
    assert sorted(int(item["n"]["N"]) for item in scanned) == list(range(25))


def test_consumed_capacity_per_table(dynamodb: Any, hash_table: str, range_table: str) -> None:
    # 1500 bytes is two write units, a small item one; deleting counts the deleted item's size.
    big = {"pk": {"S": "big"}, "b": {"S": "x" * 1500}}
    requests = {
        hash_table: [put(big), put({"pk": {"S": "small"}})],
        range_table: [put({"pk": {"S": "p"}, "sk": {"N": "1"}})],
    }
    total = dynamodb.batch_write_item(RequestItems=requests, ReturnConsumedCapacity="TOTAL")["ConsumedCapacity"]
    assert {"TableName": hash_table, "CapacityUnits": 3.0} in total
    assert {"TableName": range_table, "CapacityUnits": 1.0} in total
    deletes = {hash_table: [delete({"pk": {"S": "big"}}), delete({"pk": {"S": "absent"}})]}
    indexes = dynamodb.batch_write_item(RequestItems=deletes, ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"]
    assert indexes == [{"TableName": hash_table, "CapacityUnits": 3.0, "Table": {"CapacityUnits": 3.0}}]


def test_item_collection_metrics_for_tables_with_local_indexes(dynamodb: Any, lsi_table: str, hash_table: str) -> None:
    response = dynamodb.batch_write_item(
        RequestItems={
            lsi_table: [
                put({"pk": {"S": "a"}, "sk": {"S": "1"}, "alt": {"S": "z"}}),
                delete({"pk": {"S": "b"}, "sk": {"S": "2"}}),
            ],
            hash_table: [put({"pk": {"S": "x"}})],
        },
        ReturnItemCollectionMetrics="SIZE",
    )
    metrics = response["ItemCollectionMetrics"]
    assert list(metrics) == [lsi_table]
    assert [entry["ItemCollectionKey"] for entry in metrics[lsi_table]] == [{"pk": {"S": "a"}}, {"pk": {"S": "b"}}]
    assert all(len(entry["SizeEstimateRangeGB"]) == 2 for entry in metrics[lsi_table])


def test_writes_are_visible_through_local_index(dynamodb: Any, lsi_table: str) -> None:
    dynamodb.batch_write_item(RequestItems={lsi_table: [put({"pk": {"S": "a"}, "sk": {"S": "1"}, "alt": {"S": "z"}})]})
    dynamodb.batch_write_item(RequestItems={lsi_table: [delete({"pk": {"S": "a"}, "sk": {"S": "1"}})]})
    assert stored(dynamodb, lsi_table, {"pk": {"S": "a"}, "sk": {"S": "1"}}) is None


# --- errors: nothing is written -----------------------------------------------------------------------


def test_validation_error_writes_nothing(dynamodb: Any, hash_table: str) -> None:
    dynamodb.put_item(TableName=hash_table, Item={"pk": {"S": "keep"}})
    code, message = rejected(
        dynamodb,
        RequestItems={hash_table: [put({"pk": {"S": "new"}}), delete({"pk": {"S": "keep"}}), put({"pk": {"N": "1"}})]},
    )
    assert (code, message) == ("ValidationException", "The provided key element does not match the schema")
    assert stored(dynamodb, hash_table, {"pk": {"S": "new"}}) is None
    assert stored(dynamodb, hash_table, {"pk": {"S": "keep"}}) == {"pk": {"S": "keep"}}


def test_missing_table_writes_nothing(dynamodb: Any, hash_table: str) -> None:
    code, message = rejected(
        dynamodb, RequestItems={hash_table: [put({"pk": {"S": "a"}})], unique_name(): [put({"pk": {"S": "a"}})]}
    )
    assert (code, message) == ("ResourceNotFoundException", "Requested resource not found")
    assert stored(dynamodb, hash_table, {"pk": {"S": "a"}}) is None


def test_put_and_delete_of_one_key_are_duplicates(dynamodb: Any, hash_table: str) -> None:
    for requests in (
        [put({"pk": {"S": "a"}, "c": {"S": "c"}}), delete({"pk": {"S": "a"}})],
        [delete({"pk": {"S": "a"}}), put({"pk": {"S": "a"}})],
        [put({"pk": {"S": "a"}}), put({"pk": {"S": "a"}, "v": {"S": "2"}})],
    ):
        code, message = rejected(dynamodb, RequestItems={hash_table: requests})
        assert (code, message) == ("ValidationException", "Provided list of item keys contains duplicates")
    assert stored(dynamodb, hash_table, {"pk": {"S": "a"}}) is None


def test_same_key_in_two_tables_is_no_duplicate(dynamodb: Any, hash_table: str) -> None:
    other = unique_name("hash")
    dynamodb.create_table(
        TableName=other,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.batch_write_item(RequestItems={hash_table: [put({"pk": {"S": "a"}})], other: [put({"pk": {"S": "a"}})]})
    assert stored(dynamodb, other, {"pk": {"S": "a"}}) == {"pk": {"S": "a"}}


def test_more_than_25_requests_in_one_table(dynamodb: Any) -> None:
    requests = [put({"pk": {"S": str(index)}}) for index in range(26)]
    code, message = rejected(dynamodb, RequestItems={"abc": requests})
    assert code == "ValidationException"
    assert message.startswith("1 validation error detected: Value '{abc=[")
    assert message.endswith(
        "at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: "
        "[Member must have length less than or equal to 25, Member must have length greater than or equal to 1]"
    )


def test_more_than_25_requests_over_tables(dynamodb: Any) -> None:
    requests = [put({"pk": {"S": str(index)}}) for index in range(20)]
    code, message = rejected(dynamodb, RequestItems={"abc": requests, "abd": requests[:6]})
    assert (code, message) == ("ValidationException", "Too many items requested for the BatchWriteItem call")


def test_exactly_25_requests_reach_the_table_lookup(dynamodb: Any) -> None:
    requests = [put({"pk": {"S": str(index)}}) for index in range(25)]
    code, message = rejected(dynamodb, RequestItems={unique_name(): requests})
    assert (code, message) == ("ResourceNotFoundException", "Requested resource not found")


def test_request_with_neither_or_both_kinds(dynamodb: Any, hash_table: str) -> None:
    both = {"PutRequest": {"Item": {"pk": {"S": "a"}}}, "DeleteRequest": {"Key": {"pk": {"S": "a"}}}}
    for request in ({}, both):
        code, message = rejected(dynamodb, RequestItems={hash_table: [request]})
        assert (code, message) == (
            "ValidationException",
            "Supplied AttributeValue has more than one datatypes set, "
            "must contain exactly one of the supported datatypes",
        )


def test_item_too_large(dynamodb: Any) -> None:
    item = {"pk": {"S": "a"}, "b": {"S": "x" * 409_600}}
    code, message = rejected(dynamodb, RequestItems={unique_name(): [put(item)]})
    assert (code, message) == ("ValidationException", "Item size has exceeded the maximum allowed size")


def test_largest_item_reaches_the_table_lookup(dynamodb: Any) -> None:
    # 1 + 1 + 1 + 409,597 bytes: exactly the 400 KB limit.
    item = {"a": {"S": "k"}, "b": {"S": "x" * 409_597}}
    code, message = rejected(dynamodb, RequestItems={unique_name(): [put(item)]})
    assert (code, message) == ("ResourceNotFoundException", "Requested resource not found")


def test_put_item_key_not_matching_schema(dynamodb: Any, hash_table: str, range_table: str) -> None:
    for table, item in (
        (hash_table, {}),
        (hash_table, {"other": {"S": "a"}}),
        (hash_table, {"pk": {"B": "YWJj"}}),
        (range_table, {"pk": {"S": "a"}}),
    ):
        code, message = rejected(dynamodb, RequestItems={table: [put(item)]})
        assert (code, message) == ("ValidationException", "The provided key element does not match the schema")


def test_hash_key_too_large(dynamodb: Any, hash_table: str) -> None:
    code, message = rejected(dynamodb, RequestItems={hash_table: [put({"pk": {"S": "a" * 2049}})]})
    assert (code, message) == (
        "ValidationException",
        "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes",
    )


def test_index_key_of_the_wrong_type(dynamodb: Any, lsi_table: str) -> None:
    code, message = rejected(
        dynamodb, RequestItems={lsi_table: [put({"pk": {"S": "a"}, "sk": {"S": "1"}, "alt": {"N": "1"}})]}
    )
    assert (code, message) == (
        "ValidationException",
        "One or more parameter values were invalid: Type mismatch for Index Key alt Expected: S Actual: N "
        "IndexName: by-alt",
    )


def test_invalid_attribute_value(dynamodb: Any, hash_table: str) -> None:
    code, message = rejected(dynamodb, RequestItems={hash_table: [put({"pk": {"S": "a"}, "n": {"NS": ["1", "1"]}})]})
    assert code == "ValidationException"
    assert message == "Input collection contains duplicates"
