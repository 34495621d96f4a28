"""DescribeTable, ListTables, DeleteTable, tags, DescribeEndpoints and DescribeLimits in-process."""

from __future__ import annotations

from typing import Any

import pytest

from shardline.errors import ResourceNotFoundException, ServiceError, ValidationException
from shardline.operations.tables import (
    create_table,
    delete_table,
    describe_endpoints,
    describe_limits,
    describe_table,
    list_tables,
    list_tags_of_resource,
    tag_resource,
    untag_resource,
    update_table,
)
from tests.unit.operations.tables.conftest import ControlPlane

ARN_PREFIX = "arn:aws:dynamodb:us-east-1:123456789012:table/"


def create(plane: ControlPlane, name: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "TableName": name,
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
        **extra,
    }
    return plane.call(create_table, body)["TableDescription"]


def test_describe_missing_table_names_it(plane: ControlPlane) -> None:
    with pytest.raises(ResourceNotFoundException) as raised:
        plane.call(describe_table, {"TableName": "nothing-here"})
    assert raised.value.message == "Requested resource not found: Table: nothing-here not found"


def test_list_tables_pages_in_name_order(plane: ControlPlane) -> None:
    for name in ("ccc", "aaa", "bbb", "ddd"):
        create(plane, name)
    first = plane.call(list_tables, {"Limit": 3})
    assert first == {"TableNames": ["aaa", "bbb", "ccc"], "LastEvaluatedTableName": "ccc"}
    second = plane.call(list_tables, {"Limit": 3, "ExclusiveStartTableName": "ccc"})
    assert second == {"TableNames": ["ddd"]}
    assert plane.call(list_tables, {}) == {"TableNames": ["aaa", "bbb", "ccc", "ddd"]}
    assert plane.call(list_tables, {"Limit": 4}) == {"TableNames": ["aaa", "bbb", "ccc", "ddd"]}


def test_delete_answers_deleting_and_removes_the_table(plane: ControlPlane) -> None:
    create(plane, "gone")
    deleted = plane.call(delete_table, {"TableName": "gone"})["TableDescription"]
    assert deleted["TableStatus"] == "DELETING"
    assert deleted["TableName"] == "gone"
    assert plane.call(list_tables, {}) == {"TableNames": []}
    with pytest.raises(ResourceNotFoundException) as raised:
        plane.call(delete_table, {"TableName": "gone"})
    assert raised.value.message == "Requested resource not found: Table: gone not found"


def test_deletion_protection_blocks_delete_until_disabled(plane: ControlPlane) -> None:
    create(plane, "kept", DeletionProtectionEnabled=True)
    with pytest.raises(ValidationException) as raised:
        plane.call(delete_table, {"TableName": "kept"})
    assert raised.value.message == (
        "Resource cannot be deleted as it is currently protected against deletion. "
        "Disable deletion protection first."
    )
    plane.call(update_table, {"TableName": "kept", "DeletionProtectionEnabled": False})
    assert plane.call(delete_table, {"TableName": "kept"})["TableDescription"]["TableStatus"] == "DELETING"


def test_tags_round_trip(plane: ControlPlane) -> None:
    create(plane, "tagged", Tags=[{"Key": "team", "Value": "a"}])
    arn = ARN_PREFIX + "tagged"
    plane.call(
        tag_resource,
        {"ResourceArn": arn, "Tags": [{"Key": "team", "Value": "b"}, {"Key": "env", "Value": ""}]},
    )
    listed = plane.call(list_tags_of_resource, {"ResourceArn": arn})
    assert listed == {"Tags": [{"Key": "team", "Value": "b"}, {"Key": "env", "Value": ""}]}
    plane.call(untag_resource, {"ResourceArn": arn, "TagKeys": ["team", "absent"]})
    assert plane.call(list_tags_of_resource, {"ResourceArn": arn}) == {"Tags": [{"Key": "env", "Value": ""}]}


def test_fifty_tags_at_most(plane: ControlPlane) -> None:
    create(plane, "many", Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)])
    with pytest.raises(ValidationException) as raised:
        plane.call(
            tag_resource, {"ResourceArn": ARN_PREFIX + "many", "Tags": [{"Key": "one-more", "Value": "v"}]}
        )
    assert raised.value.message == "Number of Tags exceed the current limit for the provided ResourceArn"
    plane.call(tag_resource, {"ResourceArn": ARN_PREFIX + "many", "Tags": [{"Key": "k0", "Value": "new"}]})


TAG_ARN_CASES = [
    (
        "ListTagsOfResource",
        {"ResourceArn": "abcd"},
        "ValidationException",
        "One or more parameter values were invalid: ARNs must start with 'arn:': abcd",
    ),
    (
        "ListTagsOfResource",
        {"ResourceArn": "arn:aws:s3:::bucket"},
        "ValidationException",
        "One or more parameter values were invalid: Provided Arn is not a DynamoDB resource arn: "
        "arn:aws:s3:::bucket",
    ),
    (
        "ListTagsOfResource",
        {"ResourceArn": "arn:aws:dynamodb:us-east-1:123456789012:table/ab"},
        "ValidationException",
        "Invalid TableArn: Invalid ResourceArn provided as input "
        "arn:aws:dynamodb:us-east-1:123456789012:table/ab",
    ),
    (
        "ListTagsOfResource",
        {"ResourceArn": "arn:aws:dynamodb:eu-west-1:123456789012:table/abc"},
        "ValidationException",
        "Invalid TableArn: Invalid ResourceArn provided as input "
        "arn:aws:dynamodb:eu-west-1:123456789012:table/abc",
    ),
    (
        "ListTagsOfResource",
        {"ResourceArn": "arn:aws:dynamodb:us-east-1:123456789012:table/abc/index/i1"},
        "ValidationException",
        "One or more parameter values were invalid: Invalid resource arn provided, only table or stream is "
        "accepted. Provided resource arn: arn:aws:dynamodb:us-east-1:123456789012:table/abc/index/i1",
    ),
    (
        "ListTagsOfResource",
        {"ResourceArn": "arn:aws:dynamodb:us-east-1:123456789012:table/missing"},
        "ResourceNotFoundException",
        "Requested resource not found: ResourcArn: "
        "arn:aws:dynamodb:us-east-1:123456789012:table/missing not found",
    ),
    (
        "TagResource",
        {"ResourceArn": "arn:aws:dynamodb:us-east-1:123456789012:table/missing", "Tags": []},
        "ValidationException",
        "Atleast one Tag needs to be provided as Input.",
    ),
    (
        "TagResource",
        {
            "ResourceArn": "arn:aws:dynamodb:us-east-1:123456789012:table/missing",
            "Tags": [{"Key": "a", "Value": "b"}],
        },
        "ResourceNotFoundException",
        "Requested resource not found: ResourcArn: "
        "arn:aws:dynamodb:us-east-1:123456789012:table/missing not found",
    ),
    (
        "UntagResource",
        {"ResourceArn": "arn:aws:dynamodb:us-east-1:123456789012:table/missing", "TagKeys": []},
        "ValidationException",
        "Atleast one Tag Key needs to be provided as Input.",
    ),
    (
        "UntagResource",
        {"ResourceArn": "arn:aws:dynamodb:us-east-1:123456789012:table/missing", "TagKeys": ["a"]},
        "ResourceNotFoundException",
        "Requested resource not found",
    ),
]
TAG_MODULES = {
    "ListTagsOfResource": list_tags_of_resource,
    "TagResource": tag_resource,
    "UntagResource": untag_resource,
}


@pytest.mark.parametrize(("operation", "body", "code", "message"), TAG_ARN_CASES)
def test_tag_operations_reject_bad_resources(
    plane: ControlPlane, operation: str, body: dict[str, Any], code: str, message: str
) -> None:
    with pytest.raises(ServiceError) as raised:
        plane.call(TAG_MODULES[operation], body)
    assert (raised.value.code(), raised.value.message) == (code, message)


def test_endpoints_and_limits(plane: ControlPlane) -> None:
    assert plane.call(describe_endpoints, {}) == {
        "Endpoints": [{"Address": "dynamodb.us-east-1.amazonaws.com", "CachePeriodInMinutes": 1440}]
    }
    assert plane.call(describe_limits, {}) == {
        "AccountMaxReadCapacityUnits": 80000,
        "AccountMaxWriteCapacityUnits": 80000,
        "TableMaxReadCapacityUnits": 40000,
        "TableMaxWriteCapacityUnits": 40000,
    }
