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


def test_large_table_is_gone_at_once_and_its_name_is_free(dynamodb: Any, table_name: str) -> None:
    # 1,100 items with a GSI entry each: more rows than DeleteTable removes in its own work, so the
    # rest are purged in the background while the name is already free again.
    dynamodb.create_table(
        TableName=table_name,
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
    for start in range(0, 1_100, 25):
        dynamodb.batch_write_item(
            RequestItems={
                table_name: [
                    {"PutRequest": {"Item": {"pk": {"S": f"k{n}"}, "g": {"S": "same"}}}}
                    for n in range(start, start + 25)
                ]
            }
        )
    deleted = dynamodb.delete_table(TableName=table_name)["TableDescription"]
    assert (deleted["TableStatus"], deleted["ItemCount"]) == ("DELETING", 1_100)
    create(dynamodb, table_name)
    assert dynamodb.scan(TableName=table_name)["Count"] == 0
    assert "Item" not in dynamodb.get_item(TableName=table_name, Key={"pk": {"S": "k7"}})
    assert dynamodb.describe_table(TableName=table_name)["Table"]["ItemCount"] == 0
