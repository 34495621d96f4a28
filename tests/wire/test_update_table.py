"""UpdateTable over the wire."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.wire.conftest import error_of


def create_provisioned(dynamodb: Any, name: str) -> None:
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
    )


def test_throughput_change(dynamodb: Any, table_name: str) -> None:
    create_provisioned(dynamodb, table_name)
    answer = dynamodb.update_table(
        TableName=table_name, ProvisionedThroughput={"ReadCapacityUnits": 10, "WriteCapacityUnits": 5}
    )["TableDescription"]
    assert answer["TableStatus"] == "UPDATING"
    throughput = dynamodb.describe_table(TableName=table_name)["Table"]["ProvisionedThroughput"]
    assert (throughput["ReadCapacityUnits"], throughput["WriteCapacityUnits"]) == (10, 5)
    assert "LastIncreaseDateTime" in throughput


def test_same_throughput_is_refused(dynamodb: Any, table_name: str) -> None:
    create_provisioned(dynamodb, table_name)
    with pytest.raises(ClientError) as raised:
        dynamodb.update_table(
            TableName=table_name, ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
        )
    assert error_of(raised) == (
        "ValidationException",
        "The provisioned throughput for the table will not change. The requested value equals the current "
        "value. Current ReadCapacityUnits provisioned for the table: 5. Requested ReadCapacityUnits: 5. "
        "Current WriteCapacityUnits provisioned for the table: 5. Requested WriteCapacityUnits: 5. Refer to "
        "the Amazon DynamoDB Developer Guide for current limits and how to request higher limits.",
    )


def test_switch_to_on_demand(dynamodb: Any, table_name: str) -> None:
    create_provisioned(dynamodb, table_name)
    dynamodb.update_table(TableName=table_name, BillingMode="PAY_PER_REQUEST")
    table = dynamodb.describe_table(TableName=table_name)["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 0


def test_stream_enable_and_disable(dynamodb: Any, hash_table: str) -> None:
    enabled = dynamodb.update_table(
        TableName=hash_table, StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    )["TableDescription"]
    assert enabled["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    arn = enabled["LatestStreamArn"]
    assert arn.startswith(f"arn:aws:dynamodb:us-east-1:000000000000:table/{hash_table}/stream/")
    with pytest.raises(ClientError) as raised:
        dynamodb.update_table(
            TableName=hash_table, StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}
        )
    assert error_of(raised) == (
        "ValidationException",
        f"Table already has an enabled stream: TableName: {hash_table}",
    )
    dynamodb.update_table(TableName=hash_table, StreamSpecification={"StreamEnabled": False})
    table = dynamodb.describe_table(TableName=hash_table)["Table"]
    assert "StreamSpecification" not in table
    assert table["LatestStreamArn"] == arn
    with pytest.raises(ClientError) as raised:
        dynamodb.update_table(TableName=hash_table, StreamSpecification={"StreamEnabled": False})
    assert error_of(raised) == (
        "ValidationException",
        f"Table has no stream to disable: TableName: {hash_table}",
    )


def test_gsi_create_and_delete(dynamodb: Any, hash_table: str) -> None:
    answer = dynamodb.update_table(
        TableName=hash_table,
        AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexUpdates=[
            {
                "Create": {
                    "IndexName": "g-index",
                    "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"},
                }
            }
        ],
    )["TableDescription"]
    assert answer["GlobalSecondaryIndexes"][0]["IndexStatus"] == "CREATING"
    [index] = dynamodb.describe_table(TableName=hash_table)["Table"]["GlobalSecondaryIndexes"]
    assert (index["IndexName"], index["IndexStatus"]) == ("g-index", "ACTIVE")
    dynamodb.update_table(
        TableName=hash_table, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "g-index"}}]
    )
    assert "GlobalSecondaryIndexes" not in dynamodb.describe_table(TableName=hash_table)["Table"]


def test_table_class_and_deletion_protection(dynamodb: Any, hash_table: str) -> None:
    dynamodb.update_table(TableName=hash_table, TableClass="STANDARD_INFREQUENT_ACCESS")
    dynamodb.update_table(TableName=hash_table, DeletionProtectionEnabled=True)
    table = dynamodb.describe_table(TableName=hash_table)["Table"]
    assert table["TableClassSummary"]["TableClass"] == "STANDARD_INFREQUENT_ACCESS"
    assert table["DeletionProtectionEnabled"] is True
    dynamodb.update_table(TableName=hash_table, DeletionProtectionEnabled=False)


def test_nothing_to_update(dynamodb: Any, hash_table: str) -> None:
    with pytest.raises(ClientError) as raised:
        dynamodb.update_table(TableName=hash_table)
    assert error_of(raised) == (
        "ValidationException",
        "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, "
        "GlobalSecondaryIndexUpdates, "
        "SSESpecification, ReplicaUpdates, MultiAccountReplicaReady, ReplicaTransitRoleArn, "
        "MultiRegionConsistency, DeletionProtectionEnabled, OnDemandThroughput, WarmThroughput or TableClass "
        "is "
        "required",
    )


def test_throughput_on_on_demand_table(dynamodb: Any, hash_table: str) -> None:
    with pytest.raises(ClientError) as raised:
        dynamodb.update_table(
            TableName=hash_table, ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}
        )
    assert error_of(raised) == (
        "ValidationException",
        "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be "
        "specified when BillingMode is PAY_PER_REQUEST",
    )


def test_missing_table(dynamodb: Any) -> None:
    with pytest.raises(ClientError) as raised:
        dynamodb.update_table(TableName="no-such-table-here", DeletionProtectionEnabled=True)
    assert error_of(raised) == (
        "ResourceNotFoundException",
        "Requested resource not found: Table: no-such-table-here not found",
    )
