"""DeleteTable over the wire."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.wire.conftest import error_of, unique_name


def create(dynamodb: Any, name: str, **extra: Any) -> None:
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        **extra,
    )


def test_delete_answers_deleting_and_the_table_is_gone(dynamodb: Any, table_name: str) -> None:
    create(dynamodb, table_name)
    dynamodb.put_item(TableName=table_name, Item={"pk": {"S": "a"}})
    deleted = dynamodb.delete_table(TableName=table_name)["TableDescription"]
    assert deleted["TableStatus"] == "DELETING"
    assert deleted["TableName"] == table_name
    dynamodb.get_waiter("table_not_exists").wait(
        TableName=table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 2}
    )
    with pytest.raises(ClientError) as raised:
        dynamodb.get_item(TableName=table_name, Key={"pk": {"S": "a"}})
    assert error_of(raised) == ("ResourceNotFoundException", "Requested resource not found")


def test_recreated_table_starts_empty(dynamodb: Any, table_name: str) -> None:
    create(dynamodb, table_name)
    dynamodb.put_item(TableName=table_name, Item={"pk": {"S": "a"}})
    dynamodb.delete_table(TableName=table_name)
    create(dynamodb, table_name)
    assert "Item" not in dynamodb.get_item(TableName=table_name, Key={"pk": {"S": "a"}})
    assert dynamodb.describe_table(TableName=table_name)["Table"]["ItemCount"] == 0


def test_missing_table(dynamodb: Any) -> None:
    name = unique_name("missing")
    with pytest.raises(ClientError) as raised:
        dynamodb.delete_table(TableName=name)
    assert error_of(raised) == (
        "ResourceNotFoundException",
        f"Requested resource not found: Table: {name} not found",
    )


def test_deletion_protection(dynamodb: Any, table_name: str) -> None:
    create(dynamodb, table_name, DeletionProtectionEnabled=True)
    with pytest.raises(ClientError) as raised:
        dynamodb.delete_table(TableName=table_name)
    assert error_of(raised) == (
        "ValidationException",
        "Resource cannot be deleted as it is currently protected against deletion. "
        "Disable deletion protection first.",
    )
    dynamodb.update_table(TableName=table_name, DeletionProtectionEnabled=False)
    assert dynamodb.delete_table(TableName=table_name)["TableDescription"]["TableStatus"] == "DELETING"
