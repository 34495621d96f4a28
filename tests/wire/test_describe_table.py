"""DescribeTable over the wire."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.wire.conftest import error_of, unique_name


def test_describes_an_active_table(dynamodb: Any, range_table: str) -> None:
    table = dynamodb.describe_table(TableName=range_table)["Table"]
    assert table["TableStatus"] == "ACTIVE"
    assert table["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert table["AttributeDefinitions"] == [
        {"AttributeName": "pk", "AttributeType": "S"},
        {"AttributeName": "sk", "AttributeType": "N"},
    ]
    assert table["ProvisionedThroughput"] == {
        "NumberOfDecreasesToday": 0,
        "ReadCapacityUnits": 0,
        "WriteCapacityUnits": 0,
    }
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["DeletionProtectionEnabled"] is False
    assert str(uuid.UUID(table["TableId"])) == table["TableId"]
    assert table["CreationDateTime"].year >= 2024


def test_counts_follow_items(dynamodb: Any, hash_table: str) -> None:
    dynamodb.put_item(TableName=hash_table, Item={"pk": {"S": "one"}, "body": {"S": "x" * 100}})
    dynamodb.put_item(TableName=hash_table, Item={"pk": {"S": "two"}})
    table = dynamodb.describe_table(TableName=hash_table)["Table"]
    assert table["ItemCount"] == 2
    assert table["TableSizeBytes"] > 100


def test_table_arn_works_as_table_name(dynamodb: Any, hash_table: str) -> None:
    arn = f"arn:aws:dynamodb:us-east-1:000000000000:table/{hash_table}"
    assert dynamodb.describe_table(TableName=arn)["Table"]["TableName"] == hash_table


def test_missing_table(dynamodb: Any) -> None:
    name = unique_name("missing")
    with pytest.raises(ClientError) as raised:
        dynamodb.describe_table(TableName=name)
    assert error_of(raised) == (
        "ResourceNotFoundException",
        f"Requested resource not found: Table: {name} not found",
    )


def test_bad_table_name(dynamodb: Any) -> None:
    with pytest.raises(ClientError) as raised:
        dynamodb.describe_table(TableName="abc;")
    assert error_of(raised) == (
        "ValidationException",
        "1 validation error detected: Value 'abc;' at 'tableName' failed to satisfy constraint: Member must "
        "satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
    )
