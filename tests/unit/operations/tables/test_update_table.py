"""UpdateTable in-process: request rules, state-dependent rules and the changes it makes."""

from __future__ import annotations

from typing import Any

import pytest

from shardline.errors import ServiceError
from shardline.operations.tables import create_table, describe_table, update_table
from tests.unit.operations.tables.conftest import ControlPlane

AT_LEAST_ONE = (
    "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates, "
    "SSESpecification, ReplicaUpdates, MultiAccountReplicaReady, ReplicaTransitRoleArn, "
    "MultiRegionConsistency, "
    "DeletionProtectionEnabled, OnDemandThroughput, WarmThroughput or TableClass is required"
)


def create(plane: ControlPlane, name: str = "items", provisioned: bool = False, **extra: Any) -> None:
    body: dict[str, Any] = {
        "TableName": name,
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        **extra,
    }
    if provisioned:
        body["ProvisionedThroughput"] = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
    else:
        body["BillingMode"] = "PAY_PER_REQUEST"
    plane.call(create_table, body)


def describe(plane: ControlPlane, name: str = "items") -> dict[str, Any]:
    table: dict[str, Any] = plane.call(describe_table, {"TableName": name})["Table"]
    return table


ERROR_CASES = [
    ("nothing to update", {}, {}, "ValidationException", AT_LEAST_ONE),
    (
        "attribute definitions alone",
        {},
        {"AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]},
        "ValidationException",
        AT_LEAST_ONE,
    ),
    (
        "sse with another change",
        {},
        {"SSESpecification": {"Enabled": True}, "DeletionProtectionEnabled": True},
        "ValidationException",
        "One or more parameter values were invalid: Server-Side Encryption modification must be the only "
        "operation "
        "in the request",
    ),
    (
        "enable an enabled stream",
        {"StreamSpecification": {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}},
        {"StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}},
        "ValidationException",
        "Table already has an enabled stream: TableName: items",
    ),
    (
        "disable a missing stream",
        {},
        {"StreamSpecification": {"StreamEnabled": False}},
        "ValidationException",
        "Table has no stream to disable: TableName: items",
    ),
    (
        "enable without a view type",
        {},
        {"StreamSpecification": {"StreamEnabled": True}},
        "ValidationException",
        "One or more parameter values were invalid: If stream is being enabled then UpdateViewType is "
        "required",
    ),
    (
        "throughput on an on-demand table",
        {},
        {"ProvisionedThroughput": {"ReadCapacityUnits": 2, "WriteCapacityUnits": 2}},
        "ValidationException",
        "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be "
        "specified when BillingMode is PAY_PER_REQUEST",
    ),
    (
        "switch to provisioned without throughput",
        {},
        {"BillingMode": "PROVISIONED"},
        "ValidationException",
        "One or more parameter values were invalid: ProvisionedThroughput must be specified when "
        "BillingMode is "
        "PROVISIONED",
    ),
    (
        "sse off on a default-encrypted table",
        {},
        {"SSESpecification": {"Enabled": False}},
        "ValidationException",
        "One or more parameter values were invalid: Table is already encrypted by default",
    ),
    (
        "table not found",
        None,
        {"TableName": "absent", "DeletionProtectionEnabled": True},
        "ResourceNotFoundException",
        "Requested resource not found: Table: absent not found",
    ),
]


@pytest.mark.parametrize(
    ("name", "created", "update", "code", "message"), ERROR_CASES, ids=[case[0] for case in ERROR_CASES]
)
def test_update_errors(
    plane: ControlPlane,
    name: str,
    created: dict[str, Any] | None,
    update: dict[str, Any],
    code: str,
    message: str,
) -> None:
    if created is not None:
        create(plane, **created)
    with pytest.raises(ServiceError) as raised:
        plane.call(update_table, {"TableName": "items", **update})
    assert (raised.value.code(), raised.value.message) == (code, message)


def test_unchanged_throughput_is_refused(plane: ControlPlane) -> None:
    create(plane, provisioned=True)
    with pytest.raises(ServiceError) as raised:
        plane.call(
            update_table,
            {
                "TableName": "items",
                "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
            },
        )
    assert raised.value.message == (
        "The provisioned throughput for the table will not change. The requested value equals the current "
        "value. "
        "Current ReadCapacityUnits provisioned for the table: 5. Requested ReadCapacityUnits: 5. Current "
        "WriteCapacityUnits provisioned for the table: 5. Requested WriteCapacityUnits: 5. Refer to the "
        "Amazon "
        "DynamoDB Developer Guide for current limits and how to request higher limits."
    )


def test_throughput_changes_record_increase_and_decrease(plane: ControlPlane) -> None:
    create(plane, provisioned=True)
    plane.clock.advance(10)
    answer = plane.call(
        update_table,
        {"TableName": "items", "ProvisionedThroughput": {"ReadCapacityUnits": 9, "WriteCapacityUnits": 3}},
    )
    assert answer["TableDescription"]["TableStatus"] == "UPDATING"
    throughput = describe(plane)["ProvisionedThroughput"]
    assert throughput == {
        "LastIncreaseDateTime": 1_700_000_010.25,
        "LastDecreaseDateTime": 1_700_000_010.25,
        "NumberOfDecreasesToday": 1,
        "ReadCapacityUnits": 9,
        "WriteCapacityUnits": 3,
    }


def test_billing_mode_switches_both_ways(plane: ControlPlane) -> None:
    create(plane, provisioned=True)
    plane.clock.advance(5)
    plane.call(update_table, {"TableName": "items", "BillingMode": "PAY_PER_REQUEST"})
    table = describe(plane)
    assert table["BillingModeSummary"] == {
        "BillingMode": "PAY_PER_REQUEST",
        "LastUpdateToPayPerRequestDateTime": 1_700_000_005.25,
    }
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 0
    plane.call(
        update_table,
        {
            "TableName": "items",
            "BillingMode": "PROVISIONED",
            "ProvisionedThroughput": {"ReadCapacityUnits": 4, "WriteCapacityUnits": 6},
        },
    )
    table = describe(plane)
    assert table["BillingModeSummary"]["BillingMode"] == "PROVISIONED"
    assert (
        table["ProvisionedThroughput"]["ReadCapacityUnits"],
        table["ProvisionedThroughput"]["WriteCapacityUnits"],
    ) == (4, 6)


def test_stream_enable_disable_enable_mints_new_labels(plane: ControlPlane) -> None:
    create(plane)
    plane.call(
        update_table,
        {"TableName": "items", "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}},
    )
    first = describe(plane)
    assert first["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    plane.clock.advance(1.5)
    plane.call(update_table, {"TableName": "items", "StreamSpecification": {"StreamEnabled": False}})
    disabled = describe(plane)
    assert "StreamSpecification" not in disabled
    assert disabled["LatestStreamArn"] == first["LatestStreamArn"]
    plane.clock.advance(1.5)
    plane.call(
        update_table,
        {"TableName": "items", "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}},
    )
    again = describe(plane)
    assert again["LatestStreamLabel"] == "2023-11-14T22:13:23.250"
    assert again["LatestStreamArn"] != first["LatestStreamArn"]


def test_gsi_create_and_delete(plane: ControlPlane) -> None:
    create(plane)
    created = plane.call(
        update_table,
        {
            "TableName": "items",
            "AttributeDefinitions": [{"AttributeName": "g", "AttributeType": "N"}],
            "GlobalSecondaryIndexUpdates": [
                {
                    "Create": {
                        "IndexName": "by-g",
                        "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                        "Projection": {"ProjectionType": "KEYS_ONLY"},
                    }
                }
            ],
        },
    )["TableDescription"]
    assert created["GlobalSecondaryIndexes"][0]["IndexStatus"] == "CREATING"
    table = describe(plane)
    assert table["GlobalSecondaryIndexes"][0]["IndexStatus"] == "ACTIVE"
    assert {"AttributeName": "g", "AttributeType": "N"} in table["AttributeDefinitions"]
    with pytest.raises(ServiceError) as raised:
        plane.call(
            update_table,
            {
                "TableName": "items",
                "AttributeDefinitions": [{"AttributeName": "g", "AttributeType": "N"}],
                "GlobalSecondaryIndexUpdates": [
                    {
                        "Create": {
                            "IndexName": "by-g",
                            "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                            "Projection": {"ProjectionType": "KEYS_ONLY"},
                        }
                    }
                ],
            },
        )
    assert raised.value.message == "Attempting to create an index which already exists"
    deleted = plane.call(
        update_table,
        {"TableName": "items", "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "by-g"}}]},
    )
    assert deleted["TableDescription"]["GlobalSecondaryIndexes"][0]["IndexStatus"] == "DELETING"
    table = describe(plane)
    assert "GlobalSecondaryIndexes" not in table
    assert table["AttributeDefinitions"] == [{"AttributeName": "pk", "AttributeType": "S"}]


def test_class_protection_and_sse(plane: ControlPlane) -> None:
    create(plane)
    plane.call(update_table, {"TableName": "items", "TableClass": "STANDARD_INFREQUENT_ACCESS"})
    assert describe(plane)["TableClassSummary"] == {
        "TableClass": "STANDARD_INFREQUENT_ACCESS",
        "LastUpdateDateTime": 1_700_000_000.25,
    }
    plane.call(update_table, {"TableName": "items", "DeletionProtectionEnabled": True})
    assert describe(plane)["DeletionProtectionEnabled"] is True
    plane.call(update_table, {"TableName": "items", "SSESpecification": {"Enabled": True, "SSEType": "KMS"}})
    sse = describe(plane)["SSEDescription"]
    assert (sse["Status"], sse["SSEType"]) == ("ENABLED", "KMS")
    assert sse["KMSMasterKeyArn"].startswith("arn:aws:kms:us-east-1:123456789012:key/")
    plane.call(update_table, {"TableName": "items", "SSESpecification": {"Enabled": False}})
    assert "SSEDescription" not in describe(plane)


def gsi_table(plane: ControlPlane, provisioned: bool) -> None:
    index: dict[str, Any] = {
        "IndexName": "by-g",
        "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "ALL"},
    }
    if provisioned:
        index["ProvisionedThroughput"] = {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}
    create(
        plane,
        provisioned=provisioned,
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "g", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[index],
    )


def test_switch_to_provisioned_needs_index_throughput(plane: ControlPlane) -> None:
    gsi_table(plane, provisioned=False)
    units = {"ReadCapacityUnits": 2, "WriteCapacityUnits": 2}
    with pytest.raises(ServiceError) as raised:
        plane.call(
            update_table, {"TableName": "items", "BillingMode": "PROVISIONED", "ProvisionedThroughput": units}
        )
    assert raised.value.message == (
        "One or more parameter values were invalid: ProvisionedThroughput must be specified for index: by-g"
    )
    plane.call(
        update_table,
        {
            "TableName": "items",
            "BillingMode": "PROVISIONED",
            "ProvisionedThroughput": units,
            "GlobalSecondaryIndexUpdates": [
                {"Update": {"IndexName": "by-g", "ProvisionedThroughput": units}}
            ],
        },
    )
    [index] = describe(plane)["GlobalSecondaryIndexes"]
    assert index["ProvisionedThroughput"]["ReadCapacityUnits"] == 2


def test_gsi_update_rules(plane: ControlPlane) -> None:
    gsi_table(plane, provisioned=True)
    units = {"ReadCapacityUnits": 3, "WriteCapacityUnits": 4}
    answer = plane.call(
        update_table,
        {
            "TableName": "items",
            "GlobalSecondaryIndexUpdates": [
                {"Update": {"IndexName": "by-g", "ProvisionedThroughput": units}}
            ],
        },
    )["TableDescription"]
    assert answer["TableStatus"] == "ACTIVE"
    assert answer["GlobalSecondaryIndexes"][0]["IndexStatus"] == "UPDATING"
    cases = [
        (
            [{"Update": {"IndexName": "nope", "ProvisionedThroughput": units}}],
            "Cannot update an index that is not a GlobalSecondaryIndex: nope",
        ),
        (
            [{"Delete": {"IndexName": "nope"}}],
            "Cannot delete an index that is not a GlobalSecondaryIndex: nope",
        ),
        (
            [{"Delete": {"IndexName": "by-g"}}, {"Delete": {"IndexName": "by-g"}}],
            "One or more parameter values were invalid: Only one global secondary index update per index is "
            "allowed simultaneously. Index: by-g",
        ),
        (
            [{}],
            "One or more parameter values were invalid: One of GlobalSecondaryIndexUpdate.Update, "
            "GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Delete must not be null",
        ),
    ]
    for updates, message in cases:
        with pytest.raises(ServiceError) as raised:
            plane.call(update_table, {"TableName": "items", "GlobalSecondaryIndexUpdates": updates})
        assert raised.value.message == message
