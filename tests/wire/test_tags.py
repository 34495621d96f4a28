"""TagResource, UntagResource and ListTagsOfResource over the wire."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.wire.conftest import error_of, unique_name

ARN_PREFIX = "arn:aws:dynamodb:us-east-1:000000000000:table/"


def test_tag_list_untag(dynamodb: Any, hash_table: str) -> None:
    arn = ARN_PREFIX + hash_table
    assert dynamodb.list_tags_of_resource(ResourceArn=arn)["Tags"] == []
    dynamodb.tag_resource(ResourceArn=arn, Tags=[{"Key": "t1", "Value": "v1"}, {"Key": "t2", "Value": "v2"}])
    dynamodb.tag_resource(ResourceArn=arn, Tags=[{"Key": "t1", "Value": "changed"}])
    tags = dynamodb.list_tags_of_resource(ResourceArn=arn)["Tags"]
    assert sorted(tags, key=lambda tag: tag["Key"]) == [
        {"Key": "t1", "Value": "changed"},
        {"Key": "t2", "Value": "v2"},
    ]
    dynamodb.untag_resource(ResourceArn=arn, TagKeys=["t1", "t2"])
    assert dynamodb.list_tags_of_resource(ResourceArn=arn)["Tags"] == []


def test_fifty_tags_at_most(dynamodb: Any, hash_table: str) -> None:
    arn = ARN_PREFIX + hash_table
    dynamodb.tag_resource(ResourceArn=arn, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)])
    with pytest.raises(ClientError) as raised:
        dynamodb.tag_resource(ResourceArn=arn, Tags=[{"Key": "k50", "Value": "v"}])
    assert error_of(raised) == (
        "ValidationException",
        "Number of Tags exceed the current limit for the provided ResourceArn",
    )
    assert len(dynamodb.list_tags_of_resource(ResourceArn=arn)["Tags"]) == 50


def test_unknown_table(dynamodb: Any) -> None:
    arn = ARN_PREFIX + unique_name("missing")
    message = f"Requested resource not found: ResourcArn: {arn} not found"
    with pytest.raises(ClientError) as raised:
        dynamodb.list_tags_of_resource(ResourceArn=arn)
    assert error_of(raised) == ("ResourceNotFoundException", message)
    with pytest.raises(ClientError) as raised:
        dynamodb.tag_resource(ResourceArn=arn, Tags=[{"Key": "a", "Value": "b"}])
    assert error_of(raised) == ("ResourceNotFoundException", message)
    with pytest.raises(ClientError) as raised:
        dynamodb.untag_resource(ResourceArn=arn, TagKeys=["a"])
    assert error_of(raised) == ("ResourceNotFoundException", "Requested resource not found")


def test_invalid_arns_and_tags(dynamodb: Any, hash_table: str) -> None:
    short = ARN_PREFIX + "ab"
    with pytest.raises(ClientError) as raised:
        dynamodb.list_tags_of_resource(ResourceArn=short)
    assert error_of(raised) == (
        "ValidationException",
        f"Invalid TableArn: Invalid ResourceArn provided as input {short}",
    )
    with pytest.raises(ClientError) as raised:
        dynamodb.tag_resource(ResourceArn=ARN_PREFIX + hash_table, Tags=[])
    assert error_of(raised) == ("ValidationException", "Atleast one Tag needs to be provided as Input.")
    with pytest.raises(ClientError) as raised:
        dynamodb.untag_resource(ResourceArn=ARN_PREFIX + hash_table, TagKeys=[])
    assert error_of(raised) == ("ValidationException", "Atleast one Tag Key needs to be provided as Input.")
    with pytest.raises(ClientError) as raised:
        dynamodb.tag_resource(ResourceArn=ARN_PREFIX + hash_table, Tags=[{"Key": "aws:cost", "Value": "x"}])
    assert error_of(raised) == ("ValidationException", "Tag Key cannot be prefixed with aws:, Key: aws:cost")
