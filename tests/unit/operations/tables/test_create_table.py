"""CreateTable in-process: the validation order and messages (case file) and the stored description."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from shardline.errors import ResourceInUseException, ServiceError
from shardline.operations.tables import create_table, describe_table
from tests.unit.operations.tables.conftest import ControlPlane, load_cases

HASH_TABLE: dict[str, Any] = {
    "TableName": "orders",
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
    "BillingMode": "PAY_PER_REQUEST",
}
RANGE_TABLE: dict[str, Any] = {
    "TableName": "orders",
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    "AttributeDefinitions": [
        {"AttributeName": "pk", "AttributeType": "S"},
        {"AttributeName": "sk", "AttributeType": "N"},
        {"AttributeName": "l", "AttributeType": "S"},
    ],
    "BillingMode": "PAY_PER_REQUEST",
}


def local_index(name: str) -> dict[str, Any]:
    return {
        "IndexName": name,
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "l", "KeyType": "RANGE"}],
        "Projection": {"ProjectionType": "KEYS_ONLY"},
    }


def request_of(case: dict[str, Any]) -> dict[str, Any]:
    body = copy.deepcopy(RANGE_TABLE if case.get("range") else HASH_TABLE)
    for key, value in case["patch"].items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    if "lsi_count" in case:
        body["LocalSecondaryIndexes"] = [local_index(f"lsi{i}") for i in range(case["lsi_count"])]
    return body


ERROR_CASES = load_cases("create_table_errors.json")


@pytest.mark.parametrize("case", ERROR_CASES, ids=[case["name"] for case in ERROR_CASES])
def test_invalid_definitions_get_aws_messages(plane: ControlPlane, case: dict[str, Any]) -> None:
    with pytest.raises(ServiceError) as raised:
        plane.call(create_table, request_of(case))
    assert raised.value.code() == case["code"]
    assert raised.value.message == case["message"]


def test_create_answers_creating_then_describes_active(plane: ControlPlane) -> None:
    created = plane.call(create_table, copy.deepcopy(HASH_TABLE))["TableDescription"]
    assert created["TableStatus"] == "CREATING"
    assert created["TableArn"] == "arn:aws:dynamodb:us-east-1:123456789012:table/orders"
    assert created["CreationDateTime"] == 1_700_000_000.25
    assert created["BillingModeSummary"] == {
        "BillingMode": "PAY_PER_REQUEST",
        "LastUpdateToPayPerRequestDateTime": 1_700_000_000.25,
    }
    assert created["ProvisionedThroughput"] == {
        "NumberOfDecreasesToday": 0,
        "ReadCapacityUnits": 0,
        "WriteCapacityUnits": 0,
    }
    described = plane.call(describe_table, {"TableName": "orders"})["Table"]
    assert described["TableStatus"] == "ACTIVE"
    assert described["TableId"] == created["TableId"]
    assert described["ItemCount"] == 0
    assert described["TableSizeBytes"] == 0
    assert described["DeletionProtectionEnabled"] is False
    assert "StreamSpecification" not in described


def test_duplicate_table_is_in_use(plane: ControlPlane) -> None:
    plane.call(create_table, copy.deepcopy(HASH_TABLE))
    with pytest.raises(ResourceInUseException) as raised:
        plane.call(create_table, copy.deepcopy(HASH_TABLE))
    assert raised.value.message == "Table already exists: orders"


def test_indexes_streams_sse_and_class_are_described(plane: ControlPlane) -> None:
    body = copy.deepcopy(RANGE_TABLE)
    body.update(
        {
            "BillingMode": "PROVISIONED",
            "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 7},
            "LocalSecondaryIndexes": [local_index("by-l")],
            "GlobalSecondaryIndexes": [
                {
                    "IndexName": "gsi",
                    "KeySchema": [{"AttributeName": "l", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["x", "y"]},
                    "ProvisionedThroughput": {"ReadCapacityUnits": 2, "WriteCapacityUnits": 3},
                }
            ],
            "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
            "SSESpecification": {"Enabled": True, "KMSMasterKeyId": "1234abcd-12ab-34cd-56ef-1234567890ab"},
            "TableClass": "STANDARD_INFREQUENT_ACCESS",
            "DeletionProtectionEnabled": True,
        }
    )
    created = plane.call(create_table, body)["TableDescription"]
    assert created["GlobalSecondaryIndexes"][0]["IndexStatus"] == "CREATING"
    table = plane.call(describe_table, {"TableName": "orders"})["Table"]
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
    assert table["ProvisionedThroughput"]["WriteCapacityUnits"] == 7
    assert "BillingModeSummary" not in table
    [local] = table["LocalSecondaryIndexes"]
    assert local == {
        "IndexName": "by-l",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "l", "KeyType": "RANGE"}],
        "Projection": {"ProjectionType": "KEYS_ONLY"},
        "IndexSizeBytes": 0,
        "ItemCount": 0,
        "IndexArn": "arn:aws:dynamodb:us-east-1:123456789012:table/orders/index/by-l",
    }
    [global_] = table["GlobalSecondaryIndexes"]
    assert global_["IndexStatus"] == "ACTIVE"
    assert global_["Projection"] == {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["x", "y"]}
    assert global_["ProvisionedThroughput"] == {
        "NumberOfDecreasesToday": 0,
        "ReadCapacityUnits": 2,
        "WriteCapacityUnits": 3,
    }
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert table["LatestStreamLabel"] == "2023-11-14T22:13:20.250"
    assert table["LatestStreamArn"] == (
        "arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2023-11-14T22:13:20.250"
    )
    assert table["SSEDescription"] == {
        "Status": "ENABLED",
        "SSEType": "KMS",
        "KMSMasterKeyArn": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    }
    assert table["TableClassSummary"] == {"TableClass": "STANDARD_INFREQUENT_ACCESS"}
    assert table["DeletionProtectionEnabled"] is True


def test_table_arn_is_accepted_as_table_name(plane: ControlPlane) -> None:
    plane.call(create_table, copy.deepcopy(HASH_TABLE))
    arn = "arn:aws:dynamodb:us-east-1:123456789012:table/orders"
    assert plane.call(describe_table, {"TableName": arn})["Table"]["TableName"] == "orders"
