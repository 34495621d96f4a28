"""CreateTable over the wire: the description it answers with, and AWS's validation messages."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.wire.conftest import error_of, unique_name

HASH_KEY = [{"AttributeName": "pk", "KeyType": "HASH"}]
PK_STRING = [{"AttributeName": "pk", "AttributeType": "S"}]


def test_on_demand_table_is_created_and_usable(dynamodb: Any, table_name: str) -> None:
    created = dynamodb.create_table(
        TableName=table_name,
        KeySchema=HASH_KEY,
        AttributeDefinitions=PK_STRING,
        BillingMode="PAY_PER_REQUEST",
    )["TableDescription"]
    assert created["TableStatus"] == "CREATING"
    assert created["TableName"] == table_name
    assert created["TableArn"] == f"arn:aws:dynamodb:us-east-1:000000000000:table/{table_name}"
    assert created["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert created["ProvisionedThroughput"]["ReadCapacityUnits"] == 0
    assert created["ItemCount"] == 0
    # Tables are usable at once: the waiter's first DescribeTable already sees ACTIVE.
    dynamodb.get_waiter("table_exists").wait(
        TableName=table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 2}
    )
    dynamodb.put_item(TableName=table_name, Item={"pk": {"S": "a"}})
    assert dynamodb.get_item(TableName=table_name, Key={"pk": {"S": "a"}})["Item"] == {"pk": {"S": "a"}}


def test_provisioned_table_with_indexes_stream_and_tags(dynamodb: Any, table_name: str) -> None:
    created = dynamodb.create_table(
        TableName=table_name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
            {"AttributeName": "alt", "AttributeType": "B"},
        ],
        ProvisionedThroughput={"ReadCapacityUnits": 3, "WriteCapacityUnits": 4},
        LocalSecondaryIndexes=[
            {
                "IndexName": "by-alt",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "alt", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "alt-index",
                "KeySchema": [{"AttributeName": "alt", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["extra"]},
                "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 2},
            }
        ],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        Tags=[{"Key": "team", "Value": "storage"}],
    )["TableDescription"]
    assert created["ProvisionedThroughput"]["ReadCapacityUnits"] == 3
    assert created["ProvisionedThroughput"]["WriteCapacityUnits"] == 4
    [gsi] = created["GlobalSecondaryIndexes"]
    assert gsi["IndexStatus"] == "CREATING"
    assert gsi["IndexArn"] == f"arn:aws:dynamodb:us-east-1:000000000000:table/{table_name}/index/alt-index"
    [lsi] = created["LocalSecondaryIndexes"]
    assert "IndexStatus" not in lsi
    assert created["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    label = created["LatestStreamLabel"]
    assert created["LatestStreamArn"] == (
        f"arn:aws:dynamodb:us-east-1:000000000000:table/{table_name}/stream/{label}"
    )
    tags = dynamodb.list_tags_of_resource(ResourceArn=created["TableArn"])["Tags"]
    assert tags == [{"Key": "team", "Value": "storage"}]


def test_existing_table_is_in_use(dynamodb: Any, hash_table: str) -> None:
    with pytest.raises(ClientError) as raised:
        dynamodb.create_table(
            TableName=hash_table,
            KeySchema=HASH_KEY,
            AttributeDefinitions=PK_STRING,
            BillingMode="PAY_PER_REQUEST",
        )
    assert error_of(raised) == ("ResourceInUseException", f"Table already exists: {hash_table}")


INVALID_REQUESTS: list[tuple[str, dict[str, Any], str]] = [
    (
        "short name",
        {"TableName": "ab"},
        "1 validation error detected: Value 'ab' at 'tableName' failed to satisfy constraint: Member must "
        "have "
        "length greater than or equal to 3",
    ),
    (
        "on-demand with throughput",
        {"ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}},
        "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be "
        "specified when BillingMode is PAY_PER_REQUEST",
    ),
    (
        "provisioned without throughput",
        {"BillingMode": "PROVISIONED"},
        "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be "
        "specified when BillingMode is PROVISIONED",
    ),
    (
        "undefined key",
        {"KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}]},
        "One or more parameter values were invalid: Some index key attributes are not defined in "
        "AttributeDefinitions. Keys: [id], AttributeDefinitions: [pk]",
    ),
    (
        "first key not HASH",
        {"KeySchema": [{"AttributeName": "pk", "KeyType": "RANGE"}]},
        "Invalid KeySchema: The first KeySchemaElement is not a HASH key type",
    ),
    (
        "unused definition",
        {
            "AttributeDefinitions": [
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "x", "AttributeType": "N"},
            ]
        },
        "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match "
        "number of attributes defined in AttributeDefinitions",
    ),
    (
        "LSI without table range key",
        {
            "AttributeDefinitions": [
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "x", "AttributeType": "N"},
            ],
            "LocalSecondaryIndexes": [
                {
                    "IndexName": "lsi",
                    "Projection": {"ProjectionType": "ALL"},
                    "KeySchema": [
                        {"AttributeName": "pk", "KeyType": "HASH"},
                        {"AttributeName": "x", "KeyType": "RANGE"},
                    ],
                }
            ],
        },
        "One or more parameter values were invalid: Table KeySchema does not have a range key, which is "
        "required "
        "when specifying a LocalSecondaryIndex",
    ),
    (
        "stream without view type",
        {"StreamSpecification": {"StreamEnabled": True}},
        "One or more parameter values were invalid: Table is being created with a stream enabled, "
        "UpdateViewType "
        "is required",
    ),
    (
        "reserved tag prefix",
        {"Tags": [{"Key": "aws:x", "Value": "y"}]},
        "Tag Key cannot be prefixed with aws:, Key: aws:x",
    ),
]


@pytest.mark.parametrize(
    ("case", "changes", "message"), INVALID_REQUESTS, ids=[c[0] for c in INVALID_REQUESTS]
)
def test_invalid_requests(dynamodb: Any, case: str, changes: dict[str, Any], message: str) -> None:
    request: dict[str, Any] = {
        "TableName": unique_name("bad"),
        "KeySchema": HASH_KEY,
        "AttributeDefinitions": PK_STRING,
        "BillingMode": "PAY_PER_REQUEST",
    }
    request.update(changes)
    with pytest.raises(ClientError) as raised:
        dynamodb.create_table(**request)
    assert error_of(raised) == ("ValidationException", message)
