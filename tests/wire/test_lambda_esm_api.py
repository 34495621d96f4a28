"""Lambda's event-source-mapping API on shardline's port through boto3's `lambda` client: create, get, list,
update and delete with Lambda's status codes, response shapes and errors."""

from __future__ import annotations

import contextlib
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from botocore.exceptions import ClientError

from tests.wire.conftest import error_of, make_client, start_server, stop_server, unique_name

# A handler that is never called: these tests write nothing to the tables after the mapping starts at LATEST.
FUNCTION = "esm_api_tests.never_called:handler"


@pytest.fixture(scope="module")
def lambda_client(endpoint: str) -> Any:
    return make_client("lambda", endpoint)


def _stream_table(dynamodb: Any) -> tuple[str, str]:
    name = unique_name("esm")
    created = dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    return name, created["TableDescription"]["LatestStreamArn"]


@pytest.fixture
def stream_arn(dynamodb: Any) -> str:
    return _stream_table(dynamodb)[1]


@pytest.fixture
def mapping(lambda_client: Any, stream_arn: str) -> Iterator[dict[str, Any]]:
    created = lambda_client.create_event_source_mapping(
        FunctionName=FUNCTION, EventSourceArn=stream_arn, StartingPosition="LATEST"
    )
    yield created
    with contextlib.suppress(ClientError):
        lambda_client.delete_event_source_mapping(UUID=created["UUID"])


def _wait_for_state(lambda_client: Any, uuid: str, state: str) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while True:
        current: dict[str, Any] = lambda_client.get_event_source_mapping(UUID=uuid)
        if current["State"] == state or time.monotonic() > deadline:
            return current
        time.sleep(0.05)


def test_create_answers_202_with_lambdas_defaults(mapping: dict[str, Any], stream_arn: str) -> None:
    assert mapping["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert mapping["State"] == "Creating"
    assert mapping["StateTransitionReason"] == "User action"
    assert mapping["LastProcessingResult"] == "No records processed"
    assert mapping["EventSourceArn"] == stream_arn
    assert (mapping["BatchSize"], mapping["MaximumBatchingWindowInSeconds"], mapping["ParallelizationFactor"]) == (
        100, 0, 1)
    assert (mapping["MaximumRetryAttempts"], mapping["MaximumRecordAgeInSeconds"]) == (-1, -1)
    assert mapping["BisectBatchOnFunctionError"] is False
    assert mapping["TumblingWindowInSeconds"] == 0
    assert mapping["FunctionResponseTypes"] == []
    assert mapping["DestinationConfig"] == {"OnFailure": {}}
    assert mapping["StartingPosition"] == "LATEST"
    assert "FilterCriteria" not in mapping
    assert len(mapping["UUID"]) == 36
    assert mapping["EventSourceMappingArn"] == (
        f"arn:aws:lambda:us-east-1:000000000000:event-source-mapping:{mapping['UUID']}")
    # FunctionArn carries a Lambda-legal name (letters, digits, - and _), derived from the handler.
    assert mapping["FunctionArn"] == (
        "arn:aws:lambda:us-east-1:000000000000:function:esm_api_tests-never_called-handler")
    assert abs(mapping["LastModified"].timestamp() - time.time()) < 60


def test_get_and_list(lambda_client: Any, mapping: dict[str, Any], stream_arn: str) -> None:
    fetched = _wait_for_state(lambda_client, mapping["UUID"], "Enabled")
    assert fetched["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert (fetched["UUID"], fetched["State"]) == (mapping["UUID"], "Enabled")
    listed = lambda_client.list_event_source_mappings(EventSourceArn=stream_arn)["EventSourceMappings"]
    assert [entry["UUID"] for entry in listed] == [mapping["UUID"]]
    for name in (FUNCTION, mapping["FunctionArn"]):
        by_function = lambda_client.list_event_source_mappings(FunctionName=name)["EventSourceMappings"]
        assert mapping["UUID"] in [entry["UUID"] for entry in by_function]


def test_update_then_delete(lambda_client: Any, mapping: dict[str, Any]) -> None:
    uuid = mapping["UUID"]
    pattern = '{"eventName": ["INSERT"]}'
    updated = lambda_client.update_event_source_mapping(
        UUID=uuid, BatchSize=10, Enabled=False, FilterCriteria={"Filters": [{"Pattern": pattern}]},
        FunctionResponseTypes=["ReportBatchItemFailures"],
    )
    assert updated["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert (updated["State"], updated["BatchSize"]) == ("Updating", 10)
    assert updated["FilterCriteria"] == {"Filters": [{"Pattern": pattern}]}
    assert updated["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert _wait_for_state(lambda_client, uuid, "Disabled")["State"] == "Disabled"

    deleted = lambda_client.delete_event_source_mapping(UUID=uuid)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert deleted["State"] == "Deleting"
    with pytest.raises(ClientError) as raised:
        lambda_client.get_event_source_mapping(UUID=uuid)
    assert error_of(raised) == ("ResourceNotFoundException", "The resource you requested does not exist.")
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_unknown_uuid(lambda_client: Any) -> None:
    for call in (lambda_client.get_event_source_mapping, lambda_client.delete_event_source_mapping):
        with pytest.raises(ClientError) as raised:
            call(UUID="1b2e9c57-0000-4000-8000-000000000000")
        assert error_of(raised) == ("ResourceNotFoundException", "The resource you requested does not exist.")
        assert raised.value.response["Type"] == "User"


def test_duplicate_mapping_is_a_conflict(lambda_client: Any, mapping: dict[str, Any], stream_arn: str) -> None:
    with pytest.raises(ClientError) as raised:
        lambda_client.create_event_source_mapping(
            FunctionName=FUNCTION, EventSourceArn=stream_arn, StartingPosition="TRIM_HORIZON"
        )
    assert error_of(raised) == ("ResourceConflictException", (
        f'The event source arn (" {stream_arn} ") and function (" {FUNCTION} ") provided mapping already exists. '
        f"Please update or delete the existing mapping with UUID {mapping['UUID']}"
    ))
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409


@pytest.mark.parametrize(("fields", "code", "message"), [
    ({"StartingPosition": "AT_TIMESTAMP", "StartingPositionTimestamp": 1700000000}, "InvalidParameterValueException",
     "Unsupported starting position for arn type: {arn}"),
    ({}, "InvalidParameterValueException",
     "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: "
     "Member must not be null."),
    ({"StartingPosition": "LATEST", "BatchSize": 10001}, "ValidationException",
     "1 validation error detected: Value '10001' at 'batchSize' failed to satisfy constraint: "
     "Member must have value less than or equal to 10000"),
    ({"StartingPosition": "LATEST", "MaximumRecordAgeInSeconds": 30}, "InvalidParameterValueException",
     "MaximumRecordAgeInSeconds must be either -1 (forever) or between 60 and 604800 (inclusive)"),
    ({"StartingPosition": "LATEST", "FilterCriteria": {"Filters": [{"Pattern": "{\"eventName\": \"INSERT\"}"}]}},
     "InvalidParameterValueException", "Invalid filter pattern definition."),
])
def test_refused_creates(lambda_client: Any, stream_arn: str, fields: dict[str, Any], code: str,
                         message: str) -> None:
    with pytest.raises(ClientError) as raised:
        lambda_client.create_event_source_mapping(FunctionName=FUNCTION, EventSourceArn=stream_arn, **fields)
    assert error_of(raised) == (code, message.format(arn=stream_arn))
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_unknown_stream_and_event_source(lambda_client: Any, stream_arn: str) -> None:
    missing = stream_arn.replace(":table/esm-", ":table/gone-")
    assert missing != stream_arn
    with pytest.raises(ClientError) as raised:
        lambda_client.create_event_source_mapping(
            FunctionName=FUNCTION, EventSourceArn=missing, StartingPosition="LATEST")
    assert error_of(raised) == ("InvalidParameterValueException", f"Stream not found: {missing}")
    with pytest.raises(ClientError) as raised:
        lambda_client.create_event_source_mapping(FunctionName=FUNCTION, StartingPosition="LATEST")
    assert error_of(raised) == ("InvalidParameterValueException", "Unrecognized event source.")


def test_shardline_status_is_visible_over_plain_http(endpoint: str, mapping: dict[str, Any]) -> None:
    with urllib.request.urlopen(f"{endpoint}/2015-03-31/event-source-mappings/{mapping['UUID']}") as response:
        body = orjson.loads(response.read())
    assert set(body["ShardlineStatus"]) == {"Shards", "Counters"}
    assert body["ShardlineStatus"]["Counters"]["invocations"] == 0


def test_mappings_survive_a_restart(tmp_path: Path, dynamodb: Any) -> None:
    server = start_server(tmp_path / "data")
    try:
        own_dynamodb = make_client("dynamodb", server.endpoint)
        own_lambda = make_client("lambda", server.endpoint)
        _, arn = _stream_table(own_dynamodb)
        created = own_lambda.create_event_source_mapping(
            FunctionName=FUNCTION, EventSourceArn=arn, StartingPosition="TRIM_HORIZON", BatchSize=7)
    finally:
        stop_server(server)
    server = start_server(tmp_path / "data")
    try:
        restored = make_client("lambda", server.endpoint).get_event_source_mapping(UUID=created["UUID"])
        assert (restored["EventSourceArn"], restored["BatchSize"]) == (arn, 7)
    finally:
        stop_server(server)
