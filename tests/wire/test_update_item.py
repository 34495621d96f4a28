"""UpdateItem over the wire: every update action, ReturnValues, conditions, key rules and size limits."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.wire.conftest import error_of, unique_name

KEY = {"pk": {"S": "a"}}


def rejected(call: Any, **params: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as excinfo:
        call(**params)
    return error_of(excinfo)


def stored(dynamodb: Any, table: str, key: dict[str, Any] = KEY) -> dict[str, Any] | None:
    item: dict[str, Any] | None = dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
    return item


def update(
    dynamodb: Any, table: str, expression: str, values: dict[str, Any] | None = None, **extra: Any
) -> Any:
    params: dict[str, Any] = {"TableName": table, "Key": KEY, "UpdateExpression": expression, **extra}
    if values:
        params["ExpressionAttributeValues"] = values
    return dynamodb.update_item(**params)


@pytest.fixture
def table_with_item(dynamodb: Any, hash_table: str) -> str:
    dynamodb.put_item(
        TableName=hash_table,
        Item={
            "pk": {"S": "a"},
            "n": {"N": "10"},
            "s": {"S": "text"},
            "l": {"L": [{"N": "1"}, {"N": "2"}, {"N": "3"}]},
            "m": {"M": {"x": {"M": {"y": {"S": "deep"}}}, "k": {"S": "v"}}},
            "ss": {"SS": ["a", "b"]},
        },
    )
    return hash_table


# --- actions --------------------------------------------------------------------------------------


def test_set_creates_missing_item_from_key(dynamodb: Any, hash_table: str) -> None:
    response = update(dynamodb, hash_table, "SET v = :v", {":v": {"S": "x"}}, ReturnValues="ALL_NEW")
    assert response["Attributes"] == {"pk": {"S": "a"}, "v": {"S": "x"}}
    assert stored(dynamodb, hash_table) == {"pk": {"S": "a"}, "v": {"S": "x"}}


def test_update_without_actions_creates_key_only_item(dynamodb: Any, hash_table: str) -> None:
    dynamodb.update_item(TableName=hash_table, Key=KEY)
    assert stored(dynamodb, hash_table) == KEY


def test_remove_on_missing_item_creates_nothing(dynamodb: Any, hash_table: str) -> None:
    update(dynamodb, hash_table, "REMOVE gone")
    assert stored(dynamodb, hash_table) is None


def test_arithmetic(dynamodb: Any, table_with_item: str) -> None:
    update(dynamodb, table_with_item, "SET n = n + :a, up = :b - n", {":a": {"N": "2.5"}, ":b": {"N": "1"}})
    item = stored(dynamodb, table_with_item)
    assert item is not None
    assert item["n"] == {"N": "12.5"}
    assert item["up"] == {"N": "-9"}  # operands read the item as it was before the update


def test_if_not_exists(dynamodb: Any, table_with_item: str) -> None:
    update(
        dynamodb,
        table_with_item,
        "SET n = if_not_exists(n, :zero), fresh = if_not_exists(fresh, :zero)",
        {":zero": {"N": "0"}},
    )
    item = stored(dynamodb, table_with_item)
    assert item is not None
    assert (item["n"], item["fresh"]) == ({"N": "10"}, {"N": "0"})


def test_list_append_both_ends(dynamodb: Any, table_with_item: str) -> None:
    update(
        dynamodb,
        table_with_item,
        "SET l = list_append(:front, list_append(l, :back))",
        {":front": {"L": [{"N": "0"}]}, ":back": {"L": [{"N": "4"}]}},
    )
    item = stored(dynamodb, table_with_item)
    assert item is not None
    assert item["l"] == {"L": [{"N": "0"}, {"N": "1"}, {"N": "2"}, {"N": "3"}, {"N": "4"}]}


def test_nested_paths_and_list_indexes(dynamodb: Any, table_with_item: str) -> None:
    update(
        dynamodb,
        table_with_item,
        "SET m.x.z = :z, l[1] = :two, l[10] = :tail REMOVE m.k",
        {":z": {"BOOL": True}, ":two": {"S": "two"}, ":tail": {"NULL": True}},
    )
    item = stored(dynamodb, table_with_item)
    assert item is not None
    assert item["m"] == {"M": {"x": {"M": {"y": {"S": "deep"}, "z": {"BOOL": True}}}}}
    # An index past the end appends.
    assert item["l"] == {"L": [{"N": "1"}, {"S": "two"}, {"N": "3"}, {"NULL": True}]}
    update(dynamodb, table_with_item, "REMOVE l[0], l[2]")
    item = stored(dynamodb, table_with_item)
    assert item is not None
    assert item["l"] == {"L": [{"S": "two"}, {"NULL": True}]}


def test_remove_attribute(dynamodb: Any, table_with_item: str) -> None:
    update(dynamodb, table_with_item, "REMOVE s, never_there")
    item = stored(dynamodb, table_with_item)
    assert item is not None
    assert "s" not in item


def test_add_number_and_set(dynamodb: Any, table_with_item: str) -> None:
    update(
        dynamodb,
        table_with_item,
        "ADD n :five, tally :one, ss :more, ns :nums",
        {":five": {"N": "-5"}, ":one": {"N": "1"}, ":more": {"SS": ["b", "c"]}, ":nums": {"NS": ["1", "2"]}},
    )
    item = stored(dynamodb, table_with_item)
    assert item is not None
    assert item["n"] == {"N": "5"}
    assert item["tally"] == {"N": "1"}
    assert sorted(item["ss"]["SS"]) == ["a", "b", "c"]
    assert sorted(item["ns"]["NS"]) == ["1", "2"]


def test_delete_from_set_and_emptying_removes_attribute(dynamodb: Any, table_with_item: str) -> None:
    update(dynamodb, table_with_item, "DELETE ss :a", {":a": {"SS": ["a", "zzz"]}})
    item = stored(dynamodb, table_with_item)
    assert item is not None
    assert item["ss"] == {"SS": ["b"]}
    update(dynamodb, table_with_item, "DELETE ss :b", {":b": {"SS": ["b"]}})
    item = stored(dynamodb, table_with_item)
    assert item is not None
    assert "ss" not in item


# --- ReturnValues ---------------------------------------------------------------------------------


def test_return_values_none(dynamodb: Any, table_with_item: str) -> None:
    response = update(dynamodb, table_with_item, "SET n = :v", {":v": {"N": "1"}}, ReturnValues="NONE")
    assert "Attributes" not in response


def test_return_values_all_old(dynamodb: Any, table_with_item: str) -> None:
    before = stored(dynamodb, table_with_item)
    response = update(dynamodb, table_with_item, "SET n = :v", {":v": {"N": "1"}}, ReturnValues="ALL_OLD")
    assert response["Attributes"] == before


def test_return_values_all_old_of_missing_item(dynamodb: Any, hash_table: str) -> None:
    response = update(dynamodb, hash_table, "SET n = :v", {":v": {"N": "1"}}, ReturnValues="ALL_OLD")
    assert "Attributes" not in response


def test_return_values_updated_old_keeps_nested_structure(dynamodb: Any, table_with_item: str) -> None:
    response = update(
        dynamodb,
        table_with_item,
        "SET m.x.y = :v, n = :n, brand_new = :n",
        {":v": {"S": "new"}, ":n": {"N": "0"}},
        ReturnValues="UPDATED_OLD",
    )
    assert response["Attributes"] == {"m": {"M": {"x": {"M": {"y": {"S": "deep"}}}}}, "n": {"N": "10"}}


def test_return_values_updated_new(dynamodb: Any, table_with_item: str) -> None:
    response = update(
        dynamodb,
        table_with_item,
        "SET m.x.y = :v, l[2] = :v REMOVE s",
        {":v": {"S": "new"}},
        ReturnValues="UPDATED_NEW",
    )
    assert response["Attributes"] == {
        "m": {"M": {"x": {"M": {"y": {"S": "new"}}}}},
        "l": {"L": [{"S": "new"}]},
    }


def test_return_values_all_new(dynamodb: Any, table_with_item: str) -> None:
    response = update(
        dynamodb, table_with_item, "REMOVE l, m, ss, s SET n = :v", {":v": {"N": "3"}}, ReturnValues="ALL_NEW"
    )
    assert response["Attributes"] == {"pk": {"S": "a"}, "n": {"N": "3"}}


def test_updated_old_when_nothing_existed_is_omitted(dynamodb: Any, table_with_item: str) -> None:
    response = update(
        dynamodb, table_with_item, "SET fresh = :v", {":v": {"N": "1"}}, ReturnValues="UPDATED_OLD"
    )
    assert "Attributes" not in response


# --- conditions -----------------------------------------------------------------------------------


def test_condition_holds(dynamodb: Any, table_with_item: str) -> None:
    update(
        dynamodb,
        table_with_item,
        "SET n = n + :one",
        None,
        ConditionExpression="n = :ten AND attribute_type(s, :type)",
        ExpressionAttributeValues={":one": {"N": "1"}, ":ten": {"N": "10"}, ":type": {"S": "S"}},
    )
    item = stored(dynamodb, table_with_item)
    assert item is not None
    assert item["n"] == {"N": "11"}


def test_condition_fails_nothing_written(dynamodb: Any, table_with_item: str) -> None:
    before = stored(dynamodb, table_with_item)
    with pytest.raises(ClientError) as excinfo:
        update(
            dynamodb,
            table_with_item,
            "SET n = :v",
            {":v": {"N": "99"}},
            ConditionExpression="attribute_not_exists(pk)",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    assert error_of(excinfo) == ("ConditionalCheckFailedException", "The conditional request failed")
    assert excinfo.value.response["Item"] == before
    assert stored(dynamodb, table_with_item) == before


def test_condition_on_missing_item_creates_nothing(dynamodb: Any, hash_table: str) -> None:
    code, _ = rejected(
        dynamodb.update_item,
        TableName=hash_table,
        Key=KEY,
        UpdateExpression="SET v = :v",
        ConditionExpression="attribute_exists(pk)",
        ExpressionAttributeValues={":v": {"N": "1"}},
    )
    assert code == "ConditionalCheckFailedException"
    assert stored(dynamodb, hash_table) is None


# --- capacity -------------------------------------------------------------------------------------


def test_capacity_charges_larger_of_old_and_new(dynamodb: Any, hash_table: str) -> None:
    response = update(
        dynamodb, hash_table, "SET payload = :b", {":b": {"S": "x" * 2100}}, ReturnConsumedCapacity="TOTAL"
    )
    assert response["ConsumedCapacity"] == {"TableName": hash_table, "CapacityUnits": 3.0}
    response = update(dynamodb, hash_table, "REMOVE payload", ReturnConsumedCapacity="INDEXES")
    assert response["ConsumedCapacity"] == {
        "TableName": hash_table,
        "CapacityUnits": 3.0,
        "Table": {"CapacityUnits": 3.0},
    }


# --- errors ---------------------------------------------------------------------------------------


def test_missing_table(dynamodb: Any) -> None:
    code, message = rejected(
        dynamodb.update_item, TableName=unique_name("missing"), Key=KEY, UpdateExpression="REMOVE a"
    )
    assert (code, message) == ("ResourceNotFoundException", "Requested resource not found")


@pytest.mark.parametrize("expression", ["SET pk = :v", "REMOVE pk", "SET pk.nested = :v"])
def test_key_attributes_cannot_be_updated(dynamodb: Any, table_with_item: str, expression: str) -> None:
    values = {":v": {"S": "b"}} if ":v" in expression else None
    before = stored(dynamodb, table_with_item)
    with pytest.raises(ClientError) as excinfo:
        update(dynamodb, table_with_item, expression, values)
    assert error_of(excinfo) == (
        "ValidationException",
        "One or more parameter values were invalid: Cannot update attribute pk. "
        "This attribute is part of the key",
    )
    assert stored(dynamodb, table_with_item) == before


def test_sort_key_cannot_be_updated(dynamodb: Any, range_table: str) -> None:
    code, message = rejected(
        dynamodb.update_item,
        TableName=range_table,
        Key={"pk": {"S": "p"}, "sk": {"N": "1"}},
        UpdateExpression="SET sk = :v",
        ExpressionAttributeValues={":v": {"N": "2"}},
    )
    assert (code, message) == (
        "ValidationException",
        "One or more parameter values were invalid: Cannot update attribute sk. "
        "This attribute is part of the key",
    )


def test_item_too_large_after_update(dynamodb: Any, hash_table: str) -> None:
    update(dynamodb, hash_table, "SET a = :big", {":big": {"S": "x" * 300_000}})
    before = stored(dynamodb, hash_table)
    code, message = rejected(
        dynamodb.update_item,
        TableName=hash_table,
        Key=KEY,
        UpdateExpression="SET b = :big",
        ExpressionAttributeValues={":big": {"S": "y" * 200_000}},
    )
    assert (code, message) == (
        "ValidationException",
        "Item size to update has exceeded the maximum allowed size",
    )
    assert stored(dynamodb, hash_table) == before


RUNTIME_ERRORS = [
    (
        "SET s = s + :one",
        {":one": {"N": "1"}},
        "An operand in the update expression has an incorrect data type",
    ),
    ("ADD s :one", {":one": {"N": "1"}}, "An operand in the update expression has an incorrect data type"),
    (
        "SET l2 = list_append(s, :list)",
        {":list": {"L": []}},
        "An operand in the update expression has an incorrect data type",
    ),
    (
        "SET nowhere.deeper = :one",
        {":one": {"N": "1"}},
        "The document path provided in the update expression is invalid for update",
    ),
    (
        "SET v = missing_attribute",
        None,
        "The provided expression refers to an attribute that does not exist in the item",
    ),
]


@pytest.mark.parametrize(("expression", "values", "message"), RUNTIME_ERRORS)
def test_runtime_errors_write_nothing(
    dynamodb: Any, table_with_item: str, expression: str, values: dict[str, Any] | None, message: str
) -> None:
    before = stored(dynamodb, table_with_item)
    with pytest.raises(ClientError) as excinfo:
        update(dynamodb, table_with_item, expression, values)
    assert error_of(excinfo) == ("ValidationException", message)
    assert stored(dynamodb, table_with_item) == before


EXPRESSION_ERRORS = [
    (
        {"UpdateExpression": "SET a = :missing"},
        "Invalid UpdateExpression: An expression attribute value used in expression is not defined; "
        "attribute value: :missing",
    ),
    (
        {"UpdateExpression": "SET #missing = :v", "ExpressionAttributeValues": {":v": {"N": "1"}}},
        "Invalid UpdateExpression: An expression attribute name used in the document path is not defined; "
        "attribute name: #missing",
    ),
    (
        {"UpdateExpression": "SET status = :v", "ExpressionAttributeValues": {":v": {"N": "1"}}},
        "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: status",
    ),
    (
        {"UpdateExpression": "SET a = :v, a.b = :v", "ExpressionAttributeValues": {":v": {"N": "1"}}},
        "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of "
        "these paths; path one: [a], path two: [a, b]",
    ),
    (
        {"UpdateExpression": "SET l = list_append(l, :s)", "ExpressionAttributeValues": {":s": {"S": "x"}}},
        "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: "
        "list_append, operand type: S",
    ),
    ({"UpdateExpression": "SET"}, 'Invalid UpdateExpression: Syntax error; token: "<EOF>", near: "SET"'),
    ({"UpdateExpression": ""}, "Invalid UpdateExpression: The expression can not be empty;"),
    (
        {
            "UpdateExpression": "SET a = :v",
            "ExpressionAttributeValues": {":v": {"N": "1"}, ":unused": {"N": "2"}},
        },
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}",
    ),
    (
        {
            "UpdateExpression": "SET a = :v",
            "ExpressionAttributeValues": {":v": {"N": "1"}},
            "ExpressionAttributeNames": {"#unused": "x"},
        },
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#unused}",
    ),
    (
        {"UpdateExpression": "SET a = :v", "ExpressionAttributeValues": {":v": {"N": "abc"}}},
        "ExpressionAttributeValues contains invalid value: The parameter cannot be converted to a numeric "
        "value: abc for key :v",
    ),
    (
        {
            "UpdateExpression": "SET a = :v",
            "ExpressionAttributeValues": {":v": {"N": "1"}},
            "AttributeUpdates": {"b": {"Action": "DELETE"}},
        },
        "Can not use both expression and non-expression parameters in the same request: "
        "Non-expression parameters: {AttributeUpdates} Expression parameters: {UpdateExpression}",
    ),
]


@pytest.mark.parametrize(("params", "message"), EXPRESSION_ERRORS)
def test_expression_errors(dynamodb: Any, hash_table: str, params: dict[str, Any], message: str) -> None:
    code, got = rejected(dynamodb.update_item, TableName=hash_table, Key=KEY, **params)
    assert (code, got) == ("ValidationException", message)
    assert stored(dynamodb, hash_table) is None


def test_index_key_attributes_checked_after_update(dynamodb: Any) -> None:
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
    code, message = rejected(
        dynamodb.update_item,
        TableName=name,
        Key=KEY,
        UpdateExpression="SET g = :n",
        ExpressionAttributeValues={":n": {"N": "1"}},
    )
    assert (code, message) == (
        "ValidationException",
        "One or more parameter values were invalid: Type mismatch for Index Key g Expected: S Actual: N "
        "IndexName: by_g",
    )
    code, message = rejected(
        dynamodb.update_item,
        TableName=name,
        Key=KEY,
        UpdateExpression="SET g = :empty",
        ExpressionAttributeValues={":empty": {"S": ""}},
    )
    assert (code, message) == (
        "ValidationException",
        "One or more parameter values are not valid. The update expression attempted to update a secondary "
        "index key to a value that is not supported. The AttributeValue for a key attribute cannot contain "
        "an empty string value.",
    )
    assert stored(dynamodb, name) is None


def test_concurrent_increments_are_not_lost(dynamodb: Any, hash_table: str) -> None:
    def increment(_: int) -> None:
        update(dynamodb, hash_table, "ADD hits :one", {":one": {"N": "1"}})

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(increment, range(40)))
    assert stored(dynamodb, hash_table) == {"pk": {"S": "a"}, "hits": {"N": "40"}}
