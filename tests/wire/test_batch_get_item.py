"""BatchGetItem over the wire: reads across tables, projections, capacity, the 16 MB limit and AWS's errors."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.wire.conftest import error_of, unique_name


def rejected(dynamodb: Any, **params: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as excinfo:
        dynamodb.batch_get_item(**params)
    return error_of(excinfo)


def put_all(dynamodb: Any, table: str, items: list[dict[str, Any]]) -> None:
    for item in items:
        dynamodb.put_item(TableName=table, Item=item)


# --- behaviour ------------------------------------------------------------------------------------


def test_reads_existing_items_from_two_tables(dynamodb: Any, hash_table: str, range_table: str) -> None:
    first = {"pk": {"S": "a"}, "v": {"N": "1"}}
    second = {"pk": {"S": "b"}, "v": {"N": "2"}}
    ranged = {"pk": {"S": "p"}, "sk": {"N": "7"}, "w": {"S": "x"}}
    put_all(dynamodb, hash_table, [first, second])
    put_all(dynamodb, range_table, [ranged])
    response = dynamodb.batch_get_item(
        RequestItems={
            hash_table: {"Keys": [{"pk": {"S": "a"}}, {"pk": {"S": "missing"}}, {"pk": {"S": "b"}}]},
            range_table: {"Keys": [{"pk": {"S": "p"}, "sk": {"N": "7"}}]},
        }
    )
    found = response["Responses"][hash_table]
    assert sorted(found, key=lambda item: item["pk"]["S"]) == [first, second]
    assert response["Responses"][range_table] == [ranged]
    assert response["UnprocessedKeys"] == {}
    assert "ConsumedCapacity" not in response


def test_missing_items_give_empty_lists(dynamodb: Any, hash_table: str) -> None:
    response = dynamodb.batch_get_item(RequestItems={hash_table: {"Keys": [{"pk": {"S": "nothing"}}]}})
    assert response["Responses"] == {hash_table: []}
    assert response["UnprocessedKeys"] == {}


def test_projection_expression_per_table(dynamodb: Any, hash_table: str) -> None:
    put_all(dynamodb, hash_table, [{"pk": {"S": "a"}, "b": {"S": "x"}, "c": {"M": {"d": {"N": "1"}, "e": {"N": "2"}}}}])
    response = dynamodb.batch_get_item(
        RequestItems={
            hash_table: {
                "Keys": [{"pk": {"S": "a"}}],
                "ProjectionExpression": "#c.d, b",
                "ExpressionAttributeNames": {"#c": "c"},
            }
        }
    )
    assert response["Responses"][hash_table] == [{"b": {"S": "x"}, "c": {"M": {"d": {"N": "1"}}}}]


def test_attributes_to_get_keeps_empty_items(dynamodb: Any, hash_table: str) -> None:
    put_all(dynamodb, hash_table, [{"pk": {"S": "a"}, "b": {"S": "x"}}, {"pk": {"S": "c"}}])
    response = dynamodb.batch_get_item(
        RequestItems={hash_table: {"Keys": [{"pk": {"S": "a"}}, {"pk": {"S": "c"}}], "AttributesToGet": ["b"]}}
    )
    found = response["Responses"][hash_table]
    assert len(found) == 2
    assert {"b": {"S": "x"}} in found and {} in found


def test_table_given_by_arn(dynamodb: Any, hash_table: str) -> None:
    arn = dynamodb.describe_table(TableName=hash_table)["Table"]["TableArn"]
    put_all(dynamodb, hash_table, [{"pk": {"S": "a"}}])
    response = dynamodb.batch_get_item(RequestItems={arn: {"Keys": [{"pk": {"S": "a"}}]}})
    assert response["Responses"][arn] == [{"pk": {"S": "a"}}]


def test_consumed_capacity_per_table(dynamodb: Any, hash_table: str, range_table: str) -> None:
    # 5000 bytes is two read units; a missing item and a small one cost one unit each.
    put_all(dynamodb, hash_table, [{"pk": {"S": "big"}, "b": {"S": "x" * 5000}}, {"pk": {"S": "small"}}])
    keys = [{"pk": {"S": "big"}}, {"pk": {"S": "small"}}, {"pk": {"S": "missing"}}]
    ranged_keys = [{"pk": {"S": "p"}, "sk": {"N": "1"}}]
    eventual = dynamodb.batch_get_item(
        RequestItems={hash_table: {"Keys": keys}, range_table: {"Keys": ranged_keys}},
        ReturnConsumedCapacity="TOTAL",
    )["ConsumedCapacity"]
    assert {"TableName": hash_table, "CapacityUnits": 2.0} in eventual
    assert {"TableName": range_table, "CapacityUnits": 0.5} in eventual
    strong = dynamodb.batch_get_item(
        RequestItems={hash_table: {"Keys": keys, "ConsistentRead": True}, range_table: {"Keys": ranged_keys}},
        ReturnConsumedCapacity="INDEXES",
    )["ConsumedCapacity"]
    assert {"TableName": hash_table, "CapacityUnits": 4.0, "Table": {"CapacityUnits": 4.0}} in strong
    assert {"TableName": range_table, "CapacityUnits": 0.5, "Table": {"CapacityUnits": 0.5}} in strong


def test_response_over_16_mb_leaves_unprocessed_keys(dynamodb: Any, hash_table: str) -> None:
    filler = "x" * 400_000
    keys = [{"pk": {"S": f"k{index:02d}"}} for index in range(45)]
    for key in keys:
        dynamodb.put_item(TableName=hash_table, Item={**key, "b": {"S": filler}})
    response = dynamodb.batch_get_item(
        RequestItems={hash_table: {"Keys": keys, "ConsistentRead": True, "ProjectionExpression": "pk"}}
    )
    returned = response["Responses"][hash_table]
    unprocessed = response["UnprocessedKeys"][hash_table]
    # 16 MB holds 41 items of 400,004 bytes; the rest come back with the table's parameters.
    assert len(returned) == 41
    assert unprocessed["ConsistentRead"] is True
    assert unprocessed["ProjectionExpression"] == "pk"
    assert unprocessed["Keys"] == keys[41:]
    assert {item["pk"]["S"] for item in returned} == {key["pk"]["S"] for key in keys[:41]}
    again = dynamodb.batch_get_item(RequestItems={hash_table: unprocessed})
    assert len(again["Responses"][hash_table]) == 4
    assert again["UnprocessedKeys"] == {}


# --- errors -----------------------------------------------------------------------------------------


def test_missing_table(dynamodb: Any) -> None:
    code, message = rejected(dynamodb, RequestItems={unique_name(): {"Keys": [{"pk": {"S": "a"}}]}})
    assert (code, message) == ("ResourceNotFoundException", "Requested resource not found")


def test_missing_second_table_fails_the_whole_request(dynamodb: Any, hash_table: str) -> None:
    code, message = rejected(
        dynamodb,
        RequestItems={hash_table: {"Keys": [{"pk": {"S": "a"}}]}, unique_name(): {"Keys": [{"pk": {"S": "a"}}]}},
    )
    assert (code, message) == ("ResourceNotFoundException", "Requested resource not found")


def test_duplicate_keys(dynamodb: Any, hash_table: str) -> None:
    key = {"pk": {"S": "a"}}
    code, message = rejected(dynamodb, RequestItems={hash_table: {"Keys": [key, {"pk": {"S": "b"}}, key]}})
    assert (code, message) == ("ValidationException", "Provided list of item keys contains duplicates")


def test_duplicate_numeric_keys_compare_by_value(dynamodb: Any, range_table: str) -> None:
    keys = [{"pk": {"S": "a"}, "sk": {"N": "1.50"}}, {"sk": {"N": "1.5"}, "pk": {"S": "a"}}]
    code, message = rejected(dynamodb, RequestItems={range_table: {"Keys": keys}})
    assert (code, message) == ("ValidationException", "Provided list of item keys contains duplicates")


def test_more_than_100_keys_in_one_table(dynamodb: Any) -> None:
    keys = [{"pk": {"S": str(index)}} for index in range(101)]
    code, message = rejected(dynamodb, RequestItems={"abc": {"Keys": keys}})
    assert code == "ValidationException"
    assert message == (
        "1 validation error detected: Value at 'RequestItems.abc.member.Keys' failed to satisfy constraint: "
        "Member must have length less than or equal to 100"
    )


def test_more_than_100_keys_over_tables(dynamodb: Any) -> None:
    keys = [{"pk": {"S": str(index)}} for index in range(100)]
    code, message = rejected(dynamodb, RequestItems={"abc": {"Keys": keys}, "abd": {"Keys": [{"pk": {"S": "x"}}]}})
    assert (code, message) == ("ValidationException", "Too many items requested for the BatchGetItem call")


def test_exactly_100_keys_reach_the_table_lookup(dynamodb: Any) -> None:
    keys = [{"pk": {"S": str(index)}} for index in range(100)]
    code, message = rejected(dynamodb, RequestItems={unique_name(): {"Keys": keys}})
    assert (code, message) == ("ResourceNotFoundException", "Requested resource not found")


def test_key_not_matching_schema(dynamodb: Any, hash_table: str, range_table: str) -> None:
    for table, key in (
        (hash_table, {"pk": {"N": "1"}}),
        (hash_table, {"other": {"S": "a"}}),
        (hash_table, {"pk": {"S": "a"}, "extra": {"S": "b"}}),
        (range_table, {"pk": {"S": "a"}}),
    ):
        code, message = rejected(dynamodb, RequestItems={table: {"Keys": [key]}})
        assert (code, message) == ("ValidationException", "The provided key element does not match the schema")


def test_invalid_key_value(dynamodb: Any, hash_table: str) -> None:
    code, message = rejected(dynamodb, RequestItems={hash_table: {"Keys": [{"pk": {"N": "b"}}]}})
    assert (code, message) == ("ValidationException", "The parameter cannot be converted to a numeric value: b")


def test_duplicate_attributes_to_get(dynamodb: Any, hash_table: str) -> None:
    code, message = rejected(
        dynamodb, RequestItems={hash_table: {"Keys": [{"pk": {"S": "a"}}], "AttributesToGet": ["a", "a"]}}
    )
    assert (code, message) == (
        "ValidationException",
        "One or more parameter values were invalid: Duplicate value in attribute name: a",
    )


def test_expression_and_legacy_projection_together(dynamodb: Any, hash_table: str) -> None:
    code, message = rejected(
        dynamodb,
        RequestItems={
            hash_table: {"Keys": [{"pk": {"S": "a"}}], "AttributesToGet": ["a"], "ProjectionExpression": "a"}
        },
    )
    assert (code, message) == (
        "ValidationException",
        "Can not use both expression and non-expression parameters in the same request: "
        "Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}",
    )


def test_unused_expression_attribute_name(dynamodb: Any, hash_table: str) -> None:
    code, message = rejected(
        dynamodb,
        RequestItems={
            hash_table: {
                "Keys": [{"pk": {"S": "a"}}],
                "ProjectionExpression": "a",
                "ExpressionAttributeNames": {"#unused": "b"},
            }
        },
    )
    assert (code, message) == (
        "ValidationException",
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#unused}",
    )


def test_empty_request_items(dynamodb: Any) -> None:
    code, message = rejected(dynamodb, RequestItems={})
    assert (code, message) == ("ValidationException", "The requestItems parameter is required for BatchGetItem")
