"""Mapping configuration: CreateEventSourceMapping's defaults, ranges and messages (cases/mapping_errors.json),
updates, the EventSourceMappingConfiguration shape, and the YAML triggers file."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from shardline.triggers.lambda_errors import LambdaError
from shardline.triggers.mapping_wire import lambda_function_name, mapping_to_wire
from shardline.triggers.mappings import (
    FunctionDefinition,
    MappingConfig,
    load_triggers_file,
    mapping_from_request,
    mapping_updated,
)
from shardline.triggers.triggers_file import TriggersFileError, read_triggers_functions

CASES = json.loads((Path(__file__).parent / "cases" / "mapping_errors.json").read_text())
STREAM_ARN = "arn:aws:dynamodb:us-east-1:000000000000:table/orders/stream/2025-01-01T00:00:00.000"
MAPPING_UUID = "a1b2c3d4-0000-4000-8000-000000000001"


def _request(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"FunctionName": "handlers:on_change", "EventSourceArn": STREAM_ARN,
                            "StartingPosition": "TRIM_HORIZON"}
    body.update(fields)
    return body


@dataclass(frozen=True)
class _State:
    state: str = "Creating"
    state_transition_reason: str = "User action"
    last_processing_result: str = "No records processed"
    last_modified: float = 1700000000.0


@pytest.mark.parametrize("case", CASES["cases"], ids=[case["description"] for case in CASES["cases"]])
def test_refused_requests(case: dict[str, Any]) -> None:
    body = dict(CASES["base"])
    for name in case.get("remove", []):
        del body[name]
    body.update(case.get("set", {}))
    with pytest.raises(LambdaError) as raised:
        mapping_from_request(body, uuid=MAPPING_UUID)
    assert (raised.value.code(), raised.value.message) == (case["code"], case["message"])


def test_defaults_are_lambdas() -> None:
    config = mapping_from_request(_request(), uuid=MAPPING_UUID)
    assert config == MappingConfig(
        uuid=MAPPING_UUID, function_name="handlers:on_change", event_source_arn=STREAM_ARN, table_name=None,
        starting_position="TRIM_HORIZON", starting_position_timestamp=None, batch_size=100,
        maximum_batching_window_seconds=0, filter_patterns=(), maximum_retry_attempts=-1,
        maximum_record_age_seconds=-1, bisect_batch_on_function_error=False, on_failure_destination=None,
        report_batch_item_failures=False, tumbling_window_seconds=0, parallelization_factor=1, enabled=True,
        function_timeout_seconds=3.0,
    )


def test_every_setting_is_read() -> None:
    pattern = '{"eventName": ["INSERT"]}'
    config = mapping_from_request(
        _request(
            StartingPosition="LATEST", BatchSize=10, MaximumBatchingWindowInSeconds=5, ParallelizationFactor=4,
            MaximumRetryAttempts=2, MaximumRecordAgeInSeconds=60, BisectBatchOnFunctionError=True,
            DestinationConfig={"OnFailure": {"Destination": "file:///tmp/failed.jsonl"}},
            FunctionResponseTypes=["ReportBatchItemFailures"], TumblingWindowInSeconds=30, Enabled=False,
            FilterCriteria={"Filters": [{"Pattern": pattern}]},
        ),
        uuid=MAPPING_UUID,
    )
    assert (config.starting_position, config.batch_size, config.maximum_batching_window_seconds) == ("LATEST", 10, 5)
    assert (config.parallelization_factor, config.maximum_retry_attempts, config.maximum_record_age_seconds) == (
        4, 2, 60)
    assert config.bisect_batch_on_function_error and config.report_batch_item_failures and not config.enabled
    assert config.on_failure_destination == "file:///tmp/failed.jsonl"
    assert config.tumbling_window_seconds == 30
    assert config.filter_patterns == (pattern,)


@pytest.mark.parametrize("limit", [("BatchSize", 1), ("BatchSize", 10000), ("MaximumRetryAttempts", -1),
                                   ("MaximumRecordAgeInSeconds", 60), ("MaximumRecordAgeInSeconds", 604800),
                                   ("MaximumBatchingWindowInSeconds", 300), ("ParallelizationFactor", 10),
                                   ("TumblingWindowInSeconds", 900)])
def test_range_limits_are_accepted(limit: tuple[str, int]) -> None:
    name, value = limit
    config = mapping_from_request(_request(**{name: value}), uuid=MAPPING_UUID)
    assert mapping_to_wire(config, _State())[name] == value


def test_table_name_extension_and_its_conflict_with_an_arn() -> None:
    body = _request(TableName="orders")
    del body["EventSourceArn"]
    config = mapping_from_request(body, uuid=MAPPING_UUID)
    assert (config.table_name, config.event_source_arn) == ("orders", None)
    with pytest.raises(LambdaError) as raised:
        mapping_from_request(_request(TableName="orders"), uuid=MAPPING_UUID)
    assert raised.value.code() == "InvalidParameterValueException"


def test_too_long_pattern_is_a_validation_error() -> None:
    pattern = '{"eventName": ["' + "x" * 4100 + '"]}'
    with pytest.raises(LambdaError) as raised:
        mapping_from_request(_request(FilterCriteria={"Filters": [{"Pattern": pattern}]}), uuid=MAPPING_UUID)
    assert raised.value.code() == "ValidationException"
    assert raised.value.message.endswith(
        "at 'filterCriteria.filters.1.member.pattern' failed to satisfy constraint: "
        "Member must have length less than or equal to 4096"
    )


def test_wrong_types_are_refused_not_crashed() -> None:
    for field, value in (("BatchSize", "10"), ("Enabled", "yes"), ("BatchSize", True), ("FunctionName", 5),
                         ("FilterCriteria", "x"), ("FunctionResponseTypes", "ReportBatchItemFailures")):
        with pytest.raises(LambdaError) as raised:
            mapping_from_request(_request(**{field: value}), uuid=MAPPING_UUID)
        assert raised.value.code() == "InvalidParameterValueException"
        assert field in raised.value.message


def test_functions_resolve_names_and_arns() -> None:
    functions = {"notify": FunctionDefinition("app.notify:handler", 10.0)}
    by_name = mapping_from_request(_request(FunctionName="notify"), uuid=MAPPING_UUID, functions=functions)
    by_arn = mapping_from_request(
        _request(FunctionName="arn:aws:lambda:us-east-1:123456789012:function:notify"), uuid=MAPPING_UUID,
        functions=functions,
    )
    url = mapping_from_request(_request(FunctionName="http://127.0.0.1:9000/hook"), uuid=MAPPING_UUID)
    assert (by_name.function_name, by_name.function_timeout_seconds) == ("app.notify:handler", 10.0)
    assert by_arn.function_name == "app.notify:handler"
    assert url.function_name == "http://127.0.0.1:9000/hook"
    # Lambda reports the function by its name, never by the handler behind it.
    assert lambda_function_name(by_name) == lambda_function_name(by_arn) == "notify"
    assert lambda_function_name(url) == "127-0-0-1-9000-hook"
    handler = mapping_from_request(_request(FunctionName="app.notify:handler"), uuid=MAPPING_UUID)
    assert lambda_function_name(handler) == "app-notify-handler"
    wire = mapping_to_wire(by_name, _State(), region="eu-west-1", account_id="123456789012")
    assert wire["FunctionArn"] == "arn:aws:lambda:eu-west-1:123456789012:function:notify"
    renamed = mapping_updated(by_name, {"FunctionName": "other.module:run"}, functions=functions)
    assert lambda_function_name(renamed) == "other-module-run"


@pytest.mark.parametrize("arn", [
    "arn:aws:sqs:us-east-1:123456789012:orders-dlq", "arn:aws:sns:eu-west-1:123456789012:alerts",
    "arn:aws:s3:::failed-batches",
])
def test_pasted_aws_destinations_load(arn: str) -> None:
    """A definition pasted from CloudFormation names an SQS queue, SNS topic or S3 bucket: it loads (the
    failure records are then logged)."""
    config = mapping_from_request(_request(DestinationConfig={"OnFailure": {"Destination": arn}}), uuid=MAPPING_UUID)
    assert config.on_failure_destination == arn


@pytest.mark.parametrize("destination, message", [
    ("arn:aws:lambda:us-east-1:123456789012:function:f",
     "Unsupported DestinationConfig parameter for given event source mapping type."),
    ("ftp://example.com/failed", "Unsupported OnFailure destination 'ftp://example.com/failed': shardline delivers "
     "failure records to file:///path.jsonl or an http(s):// URL (an SQS, SNS or S3 ARN is accepted and the "
     "records logged)."),
])
def test_other_destinations_are_refused(destination: str, message: str) -> None:
    with pytest.raises(LambdaError) as raised:
        mapping_from_request(_request(DestinationConfig={"OnFailure": {"Destination": destination}}),
                             uuid=MAPPING_UUID)
    assert (raised.value.code(), raised.value.message) == ("InvalidParameterValueException", message)


def test_update_changes_only_the_fields_given() -> None:
    config = mapping_from_request(
        _request(BatchSize=10, FilterCriteria={"Filters": [{"Pattern": '{"eventName": ["INSERT"]}'}]},
                 DestinationConfig={"OnFailure": {"Destination": "file:///tmp/f.jsonl"}}),
        uuid=MAPPING_UUID,
    )
    updated = mapping_updated(config, {"UUID": MAPPING_UUID, "BatchSize": 50, "Enabled": False})
    assert (updated.batch_size, updated.enabled) == (50, False)
    assert updated.filter_patterns == config.filter_patterns
    assert updated.on_failure_destination == "file:///tmp/f.jsonl"
    cleared = mapping_updated(updated, {"FilterCriteria": {}, "DestinationConfig": {"OnFailure": {}}})
    assert (cleared.filter_patterns, cleared.on_failure_destination) == ((), None)
    renamed = mapping_updated(cleared, {"FunctionName": "other.module:run"})
    assert renamed.function_name == "other.module:run"


def test_update_is_validated_like_create() -> None:
    config = mapping_from_request(_request(), uuid=MAPPING_UUID)
    with pytest.raises(LambdaError) as raised:
        mapping_updated(config, {"BatchSize": 10001})
    assert raised.value.message == (
        "1 validation error detected: Value '10001' at 'batchSize' failed to satisfy constraint: "
        "Member must have value less than or equal to 10000"
    )
    with pytest.raises(LambdaError):
        mapping_updated(config, {"MaximumRecordAgeInSeconds": 30})


def test_wire_shape_matches_lambdas_create_response() -> None:
    config = mapping_from_request(_request(), uuid=MAPPING_UUID)
    wire = mapping_to_wire(config, _State(), region="us-east-1", account_id="000000000000")
    assert wire == {
        "UUID": MAPPING_UUID,
        "StartingPosition": "TRIM_HORIZON",
        "BatchSize": 100,
        "MaximumBatchingWindowInSeconds": 0,
        "ParallelizationFactor": 1,
        "EventSourceArn": STREAM_ARN,
        # A handler reference is no Lambda name (letters, digits, - and _ only): it is named after it.
        "FunctionArn": "arn:aws:lambda:us-east-1:000000000000:function:handlers-on_change",
        "LastModified": 1700000000.0,
        "LastProcessingResult": "No records processed",
        "State": "Creating",
        "StateTransitionReason": "User action",
        "DestinationConfig": {"OnFailure": {}},
        "MaximumRecordAgeInSeconds": -1,
        "BisectBatchOnFunctionError": False,
        "MaximumRetryAttempts": -1,
        "TumblingWindowInSeconds": 0,
        "FunctionResponseTypes": [],
        "EventSourceMappingArn": f"arn:aws:lambda:us-east-1:000000000000:event-source-mapping:{MAPPING_UUID}",
    }


def test_wire_shape_with_filters_and_destination() -> None:
    config = mapping_from_request(
        _request(FilterCriteria={"Filters": [{"Pattern": '{"eventName": ["REMOVE"]}'}]},
                 DestinationConfig={"OnFailure": {"Destination": "https://hooks.example/failed"}},
                 FunctionResponseTypes=["ReportBatchItemFailures"]),
        uuid=MAPPING_UUID,
    )
    wire = mapping_to_wire(config, _State(state="Enabled"))
    assert wire["FilterCriteria"] == {"Filters": [{"Pattern": '{"eventName": ["REMOVE"]}'}]}
    assert wire["DestinationConfig"] == {"OnFailure": {"Destination": "https://hooks.example/failed"}}
    assert wire["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert wire["State"] == "Enabled"


# --- the triggers file --------------------------------------------------------------------------------------

TRIGGERS_YAML = """
Functions:
  notify:
    Handler: handlers:notify
    Timeout: 15
EventSourceMappings:
  - FunctionName: notify
    TableName: orders
    StartingPosition: LATEST
    BatchSize: 10
    FilterCriteria:
      Filters:
        - Pattern: '{"dynamodb": {"NewImage": {"status": {"S": ["SHIPPED"]}}}}'
        - Pattern:
            eventName: [REMOVE]
  - Type: AWS::Lambda::EventSourceMapping
    Properties:
      FunctionName: handlers:audit
      EventSourceArn: arn:aws:dynamodb:us-east-1:000000000000:table/orders/stream/2025-01-01T00:00:00.000
      StartingPosition: TRIM_HORIZON
      Tags: [{Key: team, Value: orders}]
"""


def test_triggers_file_is_loaded(tmp_path: Path) -> None:
    path = tmp_path / "triggers.yaml"
    path.write_text(TRIGGERS_YAML)
    first, second = load_triggers_file(path)
    assert (first.function_name, first.function_timeout_seconds, first.table_name) == ("handlers:notify", 15.0,
                                                                                       "orders")
    assert first.batch_size == 10
    assert first.filter_patterns[0] == '{"dynamodb": {"NewImage": {"status": {"S": ["SHIPPED"]}}}}'
    assert json.loads(first.filter_patterns[1]) == {"eventName": ["REMOVE"]}
    assert (second.function_name, second.event_source_arn) == ("handlers:audit", STREAM_ARN)
    assert first.uuid != second.uuid


def test_triggers_file_uuids_are_stable_across_edits(tmp_path: Path) -> None:
    path = tmp_path / "triggers.yaml"
    path.write_text(TRIGGERS_YAML)
    before = [config.uuid for config in load_triggers_file(path)]
    path.write_text(TRIGGERS_YAML.replace("BatchSize: 10", "BatchSize: 25"))
    after = [config.uuid for config in load_triggers_file(path)]
    assert before == after
    assert len(before[0]) == 36


def test_triggers_file_uuid_can_be_given(tmp_path: Path) -> None:
    path = tmp_path / "triggers.yaml"
    path.write_text(f"EventSourceMappings:\n  - {{UUID: {MAPPING_UUID}, FunctionName: 'h:f', TableName: t, "
                    "StartingPosition: LATEST}\n")
    (config,) = load_triggers_file(path)
    assert config.uuid == MAPPING_UUID


@pytest.mark.parametrize(("text", "fragment"), [
    ("[]", "EventSourceMappings"),
    ("EventSourceMappings: []\nExtra: 1\n", "unknown top-level key(s): Extra"),
    ("EventSourceMappings:\n  - {FunctionName: 'h:f', TableName: t}\n",
     "EventSourceMappings[0]: InvalidParameterValueException: 1 validation error detected: Value null at "
     "'startingPosition' failed to satisfy constraint: Member must not be null."),
    ("EventSourceMappings:\n  - {FunctionName: 'h:f', TableName: t, StartingPosition: LATEST, Colour: red}\n",
     "EventSourceMappings[0]: unknown field(s): Colour"),
    ("EventSourceMappings:\n  - {FunctionName: 'h:f', TableName: t, StartingPosition: LATEST}\n"
     "  - {FunctionName: 'h:f', TableName: t, StartingPosition: TRIM_HORIZON}\n",
     "EventSourceMappings[1]: the same function and event source as EventSourceMappings[0]"),
    ("Functions: {f: {Handler: 'h:f', Timeout: 0}}\nEventSourceMappings: []\n", "Functions.f: Timeout"),
    ("EventSourceMappings: [\n", "not valid YAML"),
])
def test_triggers_file_errors_name_the_place(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "triggers.yaml"
    path.write_text(text)
    with pytest.raises(TriggersFileError) as raised:
        load_triggers_file(path)
    assert fragment in str(raised.value)
    assert str(path) in str(raised.value)


def test_missing_triggers_file(tmp_path: Path) -> None:
    with pytest.raises(TriggersFileError) as raised:
        load_triggers_file(tmp_path / "absent.yaml")
    assert "cannot read the triggers file" in str(raised.value)


def test_functions_section_is_readable_alone(tmp_path: Path) -> None:
    path = tmp_path / "triggers.yaml"
    path.write_text(TRIGGERS_YAML)
    assert read_triggers_functions(path) == {"notify": FunctionDefinition("handlers:notify", 15.0)}
