"""The Lambda event: GetRecords' record plus eventSourceARN, in Lambda's casing, order and units."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from shardline.triggers.events import lambda_record, partition_key_of, stream_event
from shardline.triggers.sources import wire_record

ARN = "arn:aws:dynamodb:us-east-1:000000000000:table/T/stream/2025-01-01T00:00:00.000"
GET_RECORDS: dict[str, Any] = {
    "eventID": "7de3041dd709b024af6f29e4fa13d34c", "eventName": "INSERT", "eventVersion": "1.1",
    "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
    "dynamodb": {
        "ApproximateCreationDateTime": 1700000000, "Keys": {"pk": {"S": "a"}, "sk": {"N": "1"}},
        "NewImage": {"pk": {"S": "a"}, "sk": {"N": "1"}}, "SequenceNumber": "100000000000000000001",
        "SizeBytes": 12, "StreamViewType": "NEW_IMAGE",
    },
}


def test_lambda_record_shape_and_field_order() -> None:
    record = lambda_record(GET_RECORDS, ARN)
    assert list(record) == [
        "eventID", "eventName", "eventVersion", "eventSource", "awsRegion", "dynamodb", "eventSourceARN",
    ]
    assert record["eventSourceARN"] == ARN
    assert record["dynamodb"]["ApproximateCreationDateTime"] == 1700000000.0
    assert isinstance(record["dynamodb"]["ApproximateCreationDateTime"], float)
    assert GET_RECORDS["dynamodb"]["ApproximateCreationDateTime"] == 1700000000  # the input is not changed
    assert stream_event([record]) == {"Records": [record]}


def test_ttl_user_identity_is_camel_case_in_lambda_events() -> None:
    ttl = {**GET_RECORDS, "eventName": "REMOVE",
           "userIdentity": {"PrincipalId": "dynamodb.amazonaws.com", "Type": "Service"}}
    record = lambda_record(ttl, ARN)
    assert record["userIdentity"] == {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
    assert list(record)[-2:] == ["userIdentity", "eventSourceARN"]


def test_partition_key_ignores_the_sort_key() -> None:
    other_sort = {**GET_RECORDS, "dynamodb": {**GET_RECORDS["dynamodb"], "Keys": {"pk": {"S": "a"}, "sk": {"N": "2"}}}}
    assert partition_key_of(GET_RECORDS, "pk") == partition_key_of(other_sort, "pk")
    assert partition_key_of(GET_RECORDS, None) != partition_key_of(other_sort, None)


def test_boto3_parsed_records_return_to_wire_form() -> None:
    parsed = {
        "eventName": "MODIFY",
        "dynamodb": {
            "ApproximateCreationDateTime": datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC),
            "Keys": {"id": {"B": b"\x00\x01"}},
            "NewImage": {"id": {"B": b"\x00\x01"}, "tags": {"BS": [b"ab"]},
                         "doc": {"M": {"bin": {"B": b"x"}, "list": {"L": [{"B": b"y"}, {"N": "1"}]}}}},
        },
    }
    record = wire_record(parsed)
    assert record["dynamodb"]["ApproximateCreationDateTime"] == 1700000000.0
    assert record["dynamodb"]["Keys"] == {"id": {"B": "AAE="}}
    assert record["dynamodb"]["NewImage"] == {
        "id": {"B": "AAE="}, "tags": {"BS": ["YWI="]},
        "doc": {"M": {"bin": {"B": "eA=="}, "list": {"L": [{"B": "eQ=="}, {"N": "1"}]}}},
    }
