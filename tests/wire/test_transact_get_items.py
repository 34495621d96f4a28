"""TransactGetItems over the wire: ordered responses, projections, capacity and AWS's errors."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.wire.conftest import error_of, make_client, unique_name


@pytest.fixture(scope="module")
def unchecked(endpoint: str) -> Any:
    """A client that sends what it is given, for requests botocore would refuse before sending."""
    return make_client("dynamodb", endpoint, parameter_validation=False)


def rejected(dynamodb: Any, **params: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as excinfo:
        dynamodb.transact_get_items(**params)
    return error_of(excinfo)


def get(table: str, key: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"Get": {"TableName": table, "Key": key, **extra}}


def test_responses_follow_request_order(dynamodb: Any, hash_table: str, range_table: str) -> None:
    first = {"pk": {"S": "a"}, "v": {"N": "1"}}
    ranged = {"pk": {"S": "p"}, "sk": {"N": "3"}, "w": {"BOOL": True}}
    dynamodb.put_item(TableName=hash_table, Item=first)
    dynamodb.put_item(TableName=range_table, Item=ranged)
    response = dynamodb.transact_get_items(
        TransactItems=[
            get(range_table, {"pk": {"S": "p"}, "sk": {"N": "3"}}),
            get(hash_table, {"pk": {"S": "missing"}}),
            get(hash_table, {"pk": {"S": "a"}}),
        ]
    )
    assert response["Responses"] == [{"Item": ranged}, {}, {"Item": first}]
    assert "ConsumedCapacity" not in response


def test_projection_per_get(dynamodb: Any, hash_table: str) -> None:
    dynamodb.put_item(
        TableName=hash_table, Item={"pk": {"S": "a"}, "b": {"S": "x"}, "c": {"L": [{"N": "1"}, {"N": "2"}]}}
    )
    dynamodb.put_item(TableName=hash_table, Item={"pk": {"S": "b"}, "b": {"S": "y"}})
    response = dynamodb.transact_get_items(
        TransactItems=[
            get(hash_table, {"pk": {"S": "a"}}, ProjectionExpression="#c[1]", ExpressionAttributeNames={"#c": "c"}),
            get(hash_table, {"pk": {"S": "b"}}, ProjectionExpression="nothing"),
        ]
    )
    assert response["Responses"] == [{"Item": {"c": {"L": [{"N": "2"}]}}}, {"Item": {}}]


def test_consumed_capacity_is_twice_a_consistent_read(dynamodb: Any, hash_table: str, range_table: str) -> None:
    dynamodb.put_item(TableName=hash_table, Item={"pk": {"S": "big"}, "b": {"S": "x" * 5000}})
    response = dynamodb.transact_get_items(
        TransactItems=[
            get(hash_table, {"pk": {"S": "big"}}),
            get(hash_table, {"pk": {"S": "missing"}}),
            get(range_table, {"pk": {"S": "p"}, "sk": {"N": "1"}}),
        ],
        ReturnConsumedCapacity="TOTAL",
    )
    assert response["ConsumedCapacity"] == [
        {"TableName": hash_table, "CapacityUnits": 6.0, "ReadCapacityUnits": 6.0},
        {"TableName": range_table, "CapacityUnits": 2.0, "ReadCapacityUnits": 2.0},
    ]
    indexes = dynamodb.transact_get_items(
        TransactItems=[get(range_table, {"pk": {"S": "p"}, "sk": {"N": "1"}})], ReturnConsumedCapacity="INDEXES"
    )
    assert indexes["ConsumedCapacity"] == [
        {
            "TableName": range_table,
            "CapacityUnits": 2.0,
            "ReadCapacityUnits": 2.0,
            "Table": {"CapacityUnits": 2.0, "ReadCapacityUnits": 2.0},
        }
    ]


def test_table_given_by_arn(dynamodb: Any, hash_table: str) -> None:
    arn = dynamodb.describe_table(TableName=hash_table)["Table"]["TableArn"]
    dynamodb.put_item(TableName=hash_table, Item={"pk": {"S": "a"}})
    assert dynamodb.transact_get_items(TransactItems=[get(arn, {"pk": {"S": "a"}})])["Responses"] == [
        {"Item": {"pk": {"S": "a"}}}
    ]


def test_missing_table(dynamodb: Any, hash_table: str) -> None:
    code, message = rejected(
        dynamodb, TransactItems=[get(hash_table, {"pk": {"S": "a"}}), get(unique_name(), {"pk": {"S": "a"}})]
    )
    assert (code, message) == ("ResourceNotFoundException", "Requested resource not found")


def test_two_gets_of_one_item(dynamodb: Any, hash_table: str) -> None:
    code, message = rejected(
        dynamodb, TransactItems=[get(hash_table, {"pk": {"S": "a"}}), get(hash_table, {"pk": {"S": "a"}})]
    )
    assert (code, message) == (
        "ValidationException",
        "Transaction request cannot include multiple operations on one item",
    )


def test_key_not_matching_schema(dynamodb: Any, range_table: str) -> None:
    code, message = rejected(dynamodb, TransactItems=[get(range_table, {"pk": {"S": "a"}})])
    assert (code, message) == ("ValidationException", "The provided key element does not match the schema")


def test_empty_and_too_many_items(dynamodb: Any, unchecked: Any, hash_table: str) -> None:
    code, message = rejected(unchecked, TransactItems=[])
    assert (code, message) == (
        "ValidationException",
        "1 validation error detected: Value '[]' at 'transactItems' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1",
    )
    code, message = rejected(dynamodb, TransactItems=[get(hash_table, {"pk": {"S": str(n)}}) for n in range(101)])
    assert code == "ValidationException"
    assert message.startswith("1 validation error detected: Value '[")
    assert message.endswith(
        "at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100"
    )


def test_names_without_projection(dynamodb: Any, hash_table: str) -> None:
    code, message = rejected(
        dynamodb, TransactItems=[get(hash_table, {"pk": {"S": "a"}}, ExpressionAttributeNames={"#a": "a"})]
    )
    assert (code, message) == (
        "ValidationException",
        "ExpressionAttributeNames can only be specified when using expressions",
    )


def test_items_totalling_over_four_megabytes_are_refused(dynamodb: Any, hash_table: str) -> None:
    for n in range(11):
        dynamodb.put_item(TableName=hash_table, Item={"pk": {"S": f"k{n}"}, "b": {"S": "x" * 400_000}})
    gets = [get(hash_table, {"pk": {"S": f"k{n}"}}) for n in range(11)]
    assert rejected(dynamodb, TransactItems=gets) == (
        "ValidationException",
        "The aggregate size of the items in the transaction cannot exceed 4 MB.",
    )
    # Ten of them (about 4.0 MB) are within the limit, and a missing item adds nothing.
    fewer = [*gets[:10], get(hash_table, {"pk": {"S": "absent"}})]
    responses = dynamodb.transact_get_items(TransactItems=fewer)["Responses"]
    assert [len(r.get("Item", {}).get("b", {}).get("S", "")) for r in responses] == [400_000] * 10 + [0]
