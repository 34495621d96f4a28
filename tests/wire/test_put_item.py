"""PutItem over the wire: replacement, conditions, ReturnValues, capacity and AWS's validation messages."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.wire.conftest import error_of, unique_name


def stored(dynamodb: Any, table: str, pk: str) -> dict[str, Any] | None:
    response = dynamodb.get_item(TableName=table, Key={"pk": {"S": pk}}, ConsistentRead=True)
    item: dict[str, Any] | None = response.get("Item")
    return item


def rejected(call: Any, **params: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as excinfo:
        call(**params)
    return error_of(excinfo)


# --- behaviour ------------------------------------------------------------------------------------


def test_put_then_get_round_trips(dynamodb: Any, hash_table: str) -> None:
    item = {"pk": {"S": "a"}, "name": {"S": "Ada"}, "age": {"N": "36"}}
    assert "Attributes" not in dynamodb.put_item(TableName=hash_table, Item=item)
    assert stored(dynamodb, hash_table, "a") == item


def test_put_replaces_the_whole_item(dynamodb: Any, hash_table: str) -> None:
    dynamodb.put_item(TableName=hash_table, Item={"pk": {"S": "a"}, "old": {"S": "x"}})
    dynamodb.put_item(TableName=hash_table, Item={"pk": {"S": "a"}, "new": {"S": "y"}})
    assert stored(dynamodb, hash_table, "a") == {"pk": {"S": "a"}, "new": {"S": "y"}}


def test_put_with_sort_key_keeps_items_apart(dynamodb: Any, range_table: str) -> None:
    for sk in ("1", "2"):
        dynamodb.put_item(TableName=range_table, Item={"pk": {"S": "p"}, "sk": {"N": sk}, "v": {"S": sk}})
    got = dynamodb.get_item(TableName=range_table, Key={"pk": {"S": "p"}, "sk": {"N": "2"}})
    assert got["Item"]["v"] == {"S": "2"}


def test_return_values_all_old(dynamodb: Any, hash_table: str) -> None:
    first = {"pk": {"S": "a"}, "v": {"N": "1"}}
    response = dynamodb.put_item(TableName=hash_table, Item=first, ReturnValues="ALL_OLD")
    assert "Attributes" not in response  # nothing was there before
    response = dynamodb.put_item(
        TableName=hash_table, Item={"pk": {"S": "a"}, "v": {"N": "2"}}, ReturnValues="ALL_OLD"
    )
    assert response["Attributes"] == first


def test_return_values_none_returns_nothing(dynamodb: Any, hash_table: str) -> None:
    dynamodb.put_item(TableName=hash_table, Item={"pk": {"S": "a"}})
    response = dynamodb.put_item(TableName=hash_table, Item={"pk": {"S": "a"}}, ReturnValues="NONE")
    assert "Attributes" not in response


@pytest.mark.parametrize("mode", ["ALL_NEW", "UPDATED_OLD", "UPDATED_NEW"])
def test_return_values_other_than_all_old_rejected(dynamodb: Any, hash_table: str, mode: str) -> None:
    code, message = rejected(
        dynamodb.put_item, TableName=hash_table, Item={"pk": {"S": "a"}}, ReturnValues=mode
    )
    assert (code, message) == ("ValidationException", "ReturnValues can only be ALL_OLD or NONE")
    assert stored(dynamodb, hash_table, "a") is None


def test_condition_attribute_not_exists_guards_creation(dynamodb: Any, hash_table: str) -> None:
    params = {"TableName": hash_table, "ConditionExpression": "attribute_not_exists(pk)"}
    dynamodb.put_item(Item={"pk": {"S": "a"}, "v": {"N": "1"}}, **params)
    code, message = rejected(dynamodb.put_item, Item={"pk": {"S": "a"}, "v": {"N": "2"}}, **params)
    assert (code, message) == ("ConditionalCheckFailedException", "The conditional request failed")
    assert stored(dynamodb, hash_table, "a") == {"pk": {"S": "a"}, "v": {"N": "1"}}


def test_condition_comparing_values(dynamodb: Any, hash_table: str) -> None:
    dynamodb.put_item(TableName=hash_table, Item={"pk": {"S": "a"}, "v": {"N": "5"}})
    params = {
        "TableName": hash_table,
        "Item": {"pk": {"S": "a"}, "v": {"N": "6"}},
        "ConditionExpression": "#v < :limit",
        "ExpressionAttributeNames": {"#v": "v"},
    }
    code, _ = rejected(dynamodb.put_item, ExpressionAttributeValues={":limit": {"N": "5"}}, **params)
    assert code == "ConditionalCheckFailedException"
    dynamodb.put_item(ExpressionAttributeValues={":limit": {"N": "5.5"}}, **params)
    assert stored(dynamodb, hash_table, "a") == {"pk": {"S": "a"}, "v": {"N": "6"}}


def test_condition_failure_returns_old_item_when_asked(dynamodb: Any, hash_table: str) -> None:
    old = {"pk": {"S": "a"}, "v": {"N": "1"}}
    dynamodb.put_item(TableName=hash_table, Item=old)
    with pytest.raises(ClientError) as excinfo:
        dynamodb.put_item(
            TableName=hash_table,
            Item={"pk": {"S": "a"}},
            ConditionExpression="attribute_not_exists(pk)",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    assert error_of(excinfo)[0] == "ConditionalCheckFailedException"
    assert excinfo.value.response["Item"] == old


def test_condition_failure_without_item_to_return(dynamodb: Any, hash_table: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        dynamodb.put_item(
            TableName=hash_table,
            Item={"pk": {"S": "a"}},
            ConditionExpression="attribute_exists(pk)",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    assert error_of(excinfo)[0] == "ConditionalCheckFailedException"
    assert "Item" not in excinfo.value.response
    assert stored(dynamodb, hash_table, "a") is None


@pytest.mark.parametrize(("mode", "extra"), [("TOTAL", {}), ("INDEXES", {"Table": {"CapacityUnits": 1.0}})])
def test_consumed_capacity_small_item(
    dynamodb: Any, hash_table: str, mode: str, extra: dict[str, Any]
) -> None:
    response = dynamodb.put_item(TableName=hash_table, Item={"pk": {"S": "a"}}, ReturnConsumedCapacity=mode)
    assert response["ConsumedCapacity"] == {"TableName": hash_table, "CapacityUnits": 1.0, **extra}


def test_consumed_capacity_charges_the_larger_of_old_and_new(dynamodb: Any, hash_table: str) -> None:
    big = {"pk": {"S": "a"}, "blob": {"S": "x" * 2500}}  # 2 + 1 + 4 + 2500 bytes: 3 write units
    response = dynamodb.put_item(TableName=hash_table, Item=big, ReturnConsumedCapacity="TOTAL")
    assert response["ConsumedCapacity"]["CapacityUnits"] == 3.0
    response = dynamodb.put_item(
        TableName=hash_table, Item={"pk": {"S": "a"}}, ReturnConsumedCapacity="TOTAL"
    )
    assert response["ConsumedCapacity"]["CapacityUnits"] == 3.0
    response = dynamodb.put_item(
        TableName=hash_table, Item={"pk": {"S": "a"}}, ReturnConsumedCapacity="TOTAL"
    )
    assert response["ConsumedCapacity"]["CapacityUnits"] == 1.0


def test_no_consumed_capacity_unless_asked(dynamodb: Any, hash_table: str) -> None:
    response = dynamodb.put_item(TableName=hash_table, Item={"pk": {"S": "a"}}, ReturnConsumedCapacity="NONE")
    assert "ConsumedCapacity" not in response


# --- validation -----------------------------------------------------------------------------------


def test_missing_table(dynamodb: Any) -> None:
    code, message = rejected(dynamodb.put_item, TableName=unique_name("missing"), Item={"pk": {"S": "a"}})
    assert (code, message) == ("ResourceNotFoundException", "Requested resource not found")


KEY_ERRORS = [
    ({"other": {"S": "a"}}, "One or more parameter values were invalid: Missing the key pk in the item"),
    (
        {"pk": {"N": "1"}},
        "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N",
    ),
    (
        {"pk": {"S": ""}},
        "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain "
        "an empty string value. Key: pk",
    ),
    (
        {"pk": {"S": "x" * 2049}},
        "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit "
        "of2048 bytes",
    ),
]


@pytest.mark.parametrize(("item", "message"), KEY_ERRORS)
def test_item_key_errors(dynamodb: Any, hash_table: str, item: dict[str, Any], message: str) -> None:
    assert rejected(dynamodb.put_item, TableName=hash_table, Item=item) == ("ValidationException", message)


def test_missing_sort_key(dynamodb: Any, range_table: str) -> None:
    code, message = rejected(dynamodb.put_item, TableName=range_table, Item={"pk": {"S": "p"}})
    assert (code, message) == (
        "ValidationException",
        "One or more parameter values were invalid: Missing the key sk in the item",
    )


def test_sort_key_too_long(dynamodb: Any) -> None:
    name = unique_name("skey")
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.put_item(TableName=name, Item={"pk": {"S": "p" * 2048}, "sk": {"S": "s" * 1024}})
    code, message = rejected(
        dynamodb.put_item, TableName=name, Item={"pk": {"S": "p"}, "sk": {"S": "s" * 1025}}
    )
    assert (code, message) == (
        "ValidationException",
        "One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size "
        "limit of 1024 bytes",
    )


def test_item_at_the_size_limit_is_accepted_and_one_byte_more_is_not(dynamodb: Any, hash_table: str) -> None:
    # Size = UTF-8 bytes of names and string values: "pk" + "a" + "big" + the filler.
    filler = 409_600 - len("pk") - len("a") - len("big")
    dynamodb.put_item(TableName=hash_table, Item={"pk": {"S": "a"}, "big": {"S": "x" * filler}})
    code, message = rejected(
        dynamodb.put_item, TableName=hash_table, Item={"pk": {"S": "b"}, "big": {"S": "x" * (filler + 1)}}
    )
    assert (code, message) == ("ValidationException", "Item size has exceeded the maximum allowed size")
    assert stored(dynamodb, hash_table, "b") is None


def test_item_size_is_checked_before_the_table(dynamodb: Any) -> None:
    code, message = rejected(
        dynamodb.put_item,
        TableName=unique_name("missing"),
        Item={"pk": {"S": "a"}, "big": {"S": "x" * 409_600}},
    )
    assert (code, message) == ("ValidationException", "Item size has exceeded the maximum allowed size")


def test_bad_attribute_value_is_reported_before_the_table(dynamodb: Any) -> None:
    code, message = rejected(
        dynamodb.put_item, TableName=unique_name("missing"), Item={"pk": {"S": "a"}, "s": {"SS": []}}
    )
    assert (code, message) == (
        "ValidationException",
        "One or more parameter values were invalid: An string set  may not be empty",
    )


EXPRESSION_ERRORS = [
    (
        {"ConditionExpression": "attribute_exists(#missing)"},
        "Invalid ConditionExpression: An expression attribute name used in the document path is not defined; "
        "attribute name: #missing",
    ),
    (
        {"ConditionExpression": "v = :missing"},
        "Invalid ConditionExpression: An expression attribute value used in expression is not defined; "
        "attribute value: :missing",
    ),
    (
        {"ConditionExpression": "attribute_exists(status)"},
        "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status",
    ),
    (
        {
            "ConditionExpression": "attribute_exists(pk)",
            "ExpressionAttributeValues": {":unused": {"S": "x"}},
        },
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}",
    ),
    (
        {"ConditionExpression": "attribute_exists(pk)", "ExpressionAttributeNames": {"#unused": "x"}},
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#unused}",
    ),
    (
        {"ConditionExpression": "v = :v", "ExpressionAttributeValues": {":v": {"NS": []}}},
        "ExpressionAttributeValues contains invalid value: One or more parameter values were invalid: "
        "An number set  may not be empty for key :v",
    ),
    (
        {"ExpressionAttributeValues": {":v": {"S": "x"}}},
        "ExpressionAttributeValues can only be specified when using expressions: ConditionExpression is null",
    ),
    (
        {"ConditionExpression": "attribute_exists(pk)", "Expected": {"pk": {"Exists": False}}},
        "Can not use both expression and non-expression parameters in the same request: "
        "Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}",
    ),
    ({"ConditionExpression": ""}, "Invalid ConditionExpression: The expression can not be empty;"),
    (
        {"ConditionExpression": "((attribute_not_exists(pk)))"},
        "Invalid ConditionExpression: The expression has redundant parentheses;",
    ),
]


@pytest.mark.parametrize(("params", "message"), EXPRESSION_ERRORS)
def test_expression_errors(dynamodb: Any, hash_table: str, params: dict[str, Any], message: str) -> None:
    code, got = rejected(dynamodb.put_item, TableName=hash_table, Item={"pk": {"S": "a"}}, **params)
    assert (code, got) == ("ValidationException", message)
    assert stored(dynamodb, hash_table, "a") is None


@pytest.fixture
def indexed_table(dynamodb: Any) -> str:
    name = unique_name("indexed")
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "g", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by_g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


INDEX_KEY_ERRORS = [
    (
        {"g": {"N": "1"}},
        "One or more parameter values were invalid: Type mismatch for Index Key g Expected: S Actual: N "
        "IndexName: by_g",
    ),
    (
        {"g": {"S": ""}},
        "One or more parameter values are not valid. A value specified for a secondary index key is not "
        "supported. The AttributeValue for a key attribute cannot contain an empty string value. "
        "IndexName: by_g, IndexKey: g",
    ),
]


@pytest.mark.parametrize(("attributes", "message"), INDEX_KEY_ERRORS)
def test_index_key_attributes_checked(
    dynamodb: Any, indexed_table: str, attributes: dict[str, Any], message: str
) -> None:
    item = {"pk": {"S": "a"}, **attributes}
    assert rejected(dynamodb.put_item, TableName=indexed_table, Item=item) == ("ValidationException", message)
    assert stored(dynamodb, indexed_table, "a") is None


def test_index_key_attribute_may_be_absent(dynamodb: Any, indexed_table: str) -> None:
    dynamodb.put_item(TableName=indexed_table, Item={"pk": {"S": "a"}, "other": {"S": ""}})
    assert stored(dynamodb, indexed_table, "a") == {"pk": {"S": "a"}, "other": {"S": ""}}


def test_item_collection_metrics_only_for_tables_with_local_indexes(dynamodb: Any, hash_table: str) -> None:
    response = dynamodb.put_item(
        TableName=hash_table, Item={"pk": {"S": "a"}}, ReturnItemCollectionMetrics="SIZE"
    )
    assert "ItemCollectionMetrics" not in response

    name = unique_name("lsi")
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
            {"AttributeName": "l", "AttributeType": "S"},
        ],
        LocalSecondaryIndexes=[
            {
                "IndexName": "by_l",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "l", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    item = {"pk": {"S": "p"}, "sk": {"N": "1"}, "l": {"S": "x"}}
    response = dynamodb.put_item(TableName=name, Item=item, ReturnItemCollectionMetrics="SIZE")
    assert response["ItemCollectionMetrics"] == {
        "ItemCollectionKey": {"pk": {"S": "p"}},
        "SizeEstimateRangeGB": [0.0, 1.0],
    }
    response = dynamodb.delete_item(
        TableName=name, Key={"pk": {"S": "p"}, "sk": {"N": "1"}}, ReturnItemCollectionMetrics="NONE"
    )
    assert "ItemCollectionMetrics" not in response
