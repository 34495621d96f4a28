"""Event source mappings as configured: Lambda's CreateEventSourceMapping fields with its defaults, ranges and
messages, read from API requests or a triggers file, and written back in the EventSourceMappingConfiguration
shape (triggers/mapping_wire.py)."""

from __future__ import annotations

import dataclasses
import json
import re
import uuid as uuid_module
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shardline.streams.arns import parse_stream_arn
from shardline.triggers.filters import compile_filter_criteria
from shardline.triggers.lambda_errors import (
    InvalidParameterValueException,
    LambdaValidationException,
    validation_message,
)

STARTING_POSITIONS = ("TRIM_HORIZON", "LATEST", "AT_TIMESTAMP")
# The enum as Lambda lists it in its message.
STARTING_POSITION_ENUM = "[LATEST, AT_TIMESTAMP, TRIM_HORIZON]"
REPORT_BATCH_ITEM_FAILURES = "ReportBatchItemFailures"
DEFAULT_FUNCTION_TIMEOUT_SECONDS = 3.0  # Lambda's default Timeout
MAX_FUNCTION_TIMEOUT_SECONDS = 900.0
MAX_PATTERN_CHARACTERS = 4096
MAX_FILTERS = 10  # 5 by default on AWS, 10 with a quota increase
MIN_RECORD_AGE_SECONDS = 60
MAX_RECORD_AGE_SECONDS = 604_800
UNSUPPORTED_DESTINATION = "Unsupported DestinationConfig parameter for given event source mapping type."

_HANDLER_REFERENCE = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*:[A-Za-z_][A-Za-z0-9_]*")
_FUNCTION_ARN = re.compile(r"arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:(?P<name>[^:]+)(:.+)?")
_DESTINATION_SCHEMES = ("file://", "http://", "https://")
# The AWS destinations Lambda accepts for a stream mapping; kept so that a pasted definition loads, and the
# failure record is logged, since a local run cannot reach the queue, topic or bucket.
_AWS_DESTINATION = re.compile(r"arn:aws[a-zA-Z-]*:(sqs|sns|s3):[a-z0-9-]*:\d{0,12}:.+")

# Integer fields: (wire name, member name in Lambda's messages, minimum, maximum).
_INTEGER_FIELDS = (
    ("BatchSize", "batchSize", 1, 10_000),
    ("MaximumBatchingWindowInSeconds", "maximumBatchingWindowInSeconds", 0, 300),
    ("ParallelizationFactor", "parallelizationFactor", 1, 10),
    ("MaximumRetryAttempts", "maximumRetryAttempts", -1, 10_000),
    ("MaximumRecordAgeInSeconds", "maximumRecordAgeInSeconds", -1, MAX_RECORD_AGE_SECONDS),
    ("TumblingWindowInSeconds", "tumblingWindowInSeconds", 0, 900),
)
_BOOLEAN_FIELDS = ("Enabled", "BisectBatchOnFunctionError")
_ATTRIBUTE_OF = {
    "BatchSize": "batch_size",
    "MaximumBatchingWindowInSeconds": "maximum_batching_window_seconds",
    "ParallelizationFactor": "parallelization_factor",
    "MaximumRetryAttempts": "maximum_retry_attempts",
    "MaximumRecordAgeInSeconds": "maximum_record_age_seconds",
    "TumblingWindowInSeconds": "tumbling_window_seconds",
    "Enabled": "enabled",
    "BisectBatchOnFunctionError": "bisect_batch_on_function_error",
}


@dataclass(frozen=True)
class FunctionDefinition:
    """A function named in a triggers file's `Functions:` section: what to call and its Timeout."""

    handler: str
    timeout_seconds: float = DEFAULT_FUNCTION_TIMEOUT_SECONDS


@dataclass(frozen=True)
class MappingConfig:
    uuid: str
    function_name: str  # a handler "package.module:function" or an http(s) URL
    event_source_arn: str | None
    table_name: str | None  # extension: the table's latest stream, waited for if it does not exist yet
    starting_position: str
    starting_position_timestamp: float | None = None
    batch_size: int = 100
    maximum_batching_window_seconds: int = 0
    filter_patterns: tuple[str, ...] = ()
    maximum_retry_attempts: int = -1
    maximum_record_age_seconds: int = -1
    bisect_batch_on_function_error: bool = False
    on_failure_destination: str | None = None
    report_batch_item_failures: bool = False
    tumbling_window_seconds: int = 0
    parallelization_factor: int = 1
    enabled: bool = True
    function_timeout_seconds: float = DEFAULT_FUNCTION_TIMEOUT_SECONDS
    # The name the mapping called its function by (a `Functions:` entry, or the name in a function ARN);
    # None when FunctionName was the handler or URL itself.
    declared_function_name: str | None = None


# --- reading requests -----------------------------------------------------------------------------------


def mapping_from_request(
    body: Mapping[str, Any], *, uuid: str, functions: Mapping[str, FunctionDefinition] | None = None
) -> MappingConfig:
    """A CreateEventSourceMapping request (or a triggers-file entry) as a MappingConfig; raises Lambda's
    errors: ValidationException for constraint violations, InvalidParameterValueException otherwise."""
    _check_constraints(body, creating=True)
    if body.get("StartingPosition") is None:
        raise InvalidParameterValueException(
            "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: "
            "Member must not be null."
        )
    event_source_arn, table_name = _event_source(body)
    starting_position = str(body["StartingPosition"])
    if starting_position == "AT_TIMESTAMP":
        # Lambda refuses AT_TIMESTAMP for DynamoDB streams (Kinesis only).
        raise InvalidParameterValueException(
            f"Unsupported starting position for arn type: {event_source_arn or table_name}"
        )
    if body.get("StartingPositionTimestamp") is not None:
        raise InvalidParameterValueException("Timestamp only valid with StartingPosition AT_TIMESTAMP")
    handler, timeout, declared_name = _function(body["FunctionName"], functions)
    config = MappingConfig(
        uuid=uuid,
        function_name=handler,
        event_source_arn=event_source_arn,
        table_name=table_name,
        starting_position=starting_position,
        function_timeout_seconds=timeout,
        declared_function_name=declared_name,
    )
    return _apply_settings(config, body)


def mapping_updated(
    config: MappingConfig, body: Mapping[str, Any], *, functions: Mapping[str, FunctionDefinition] | None = None
) -> MappingConfig:
    """An UpdateEventSourceMapping request applied to a mapping: only the fields present change;
    `FilterCriteria: {}` removes the filters and an empty OnFailure removes the destination."""
    _check_constraints(body, creating=False)
    if body.get("FunctionName") is not None:
        handler, timeout, declared_name = _function(body["FunctionName"], functions)
        config = dataclasses.replace(
            config, function_name=handler, function_timeout_seconds=timeout, declared_function_name=declared_name
        )
    return _apply_settings(config, body)


def _apply_settings(config: MappingConfig, body: Mapping[str, Any]) -> MappingConfig:
    changes: dict[str, Any] = {}
    for wire_name, _, _, _ in _INTEGER_FIELDS:
        if body.get(wire_name) is not None:
            changes[_ATTRIBUTE_OF[wire_name]] = body[wire_name]
    for wire_name in _BOOLEAN_FIELDS:
        if body.get(wire_name) is not None:
            changes[_ATTRIBUTE_OF[wire_name]] = body[wire_name]
    age = changes.get("maximum_record_age_seconds")
    if age is not None and age != -1 and age < MIN_RECORD_AGE_SECONDS:
        raise InvalidParameterValueException(
            "MaximumRecordAgeInSeconds must be either -1 (forever) or between 60 and 604800 (inclusive)"
        )
    if body.get("DestinationConfig") is not None:
        changes["on_failure_destination"] = _destination(body["DestinationConfig"])
    if body.get("FunctionResponseTypes") is not None:
        changes["report_batch_item_failures"] = REPORT_BATCH_ITEM_FAILURES in body["FunctionResponseTypes"]
    if body.get("FilterCriteria") is not None:
        changes["filter_patterns"] = _filter_patterns(body["FilterCriteria"])
    return dataclasses.replace(config, **changes)


def _check_constraints(body: Mapping[str, Any], *, creating: bool) -> None:
    """Types first (our message), then Lambda's coral constraints, all reported together as it does."""
    if not isinstance(body, Mapping):
        raise InvalidParameterValueException("The request body must be a JSON object.")
    _check_types(body)
    violations: list[str] = []
    function_name = body.get("FunctionName")
    if function_name is None:
        if creating:
            violations.append("Value null at 'functionName' failed to satisfy constraint: Member must not be null")
    elif not 1 <= len(function_name) <= 256:
        violations.append(
            f"Value '{function_name}' at 'functionName' failed to satisfy constraint: "
            "Member must have length less than or equal to 256"
        )
    for wire_name, member, minimum, maximum in _INTEGER_FIELDS:
        value = body.get(wire_name)
        if value is None:
            continue
        if value < minimum:
            violations.append(
                f"Value '{value}' at '{member}' failed to satisfy constraint: "
                f"Member must have value greater than or equal to {minimum}"
            )
        elif value > maximum:
            violations.append(
                f"Value '{value}' at '{member}' failed to satisfy constraint: "
                f"Member must have value less than or equal to {maximum}"
            )
    position = body.get("StartingPosition")
    if creating and position is not None and position not in STARTING_POSITIONS:
        violations.append(
            f"Value '{position}' at 'startingPosition' failed to satisfy constraint: "
            f"Member must satisfy enum value set: {STARTING_POSITION_ENUM}"
        )
    response_types = body.get("FunctionResponseTypes")
    if response_types is not None:
        if len(response_types) > 1:
            violations.append(
                f"Value '[{', '.join(response_types)}]' at 'functionResponseTypes' failed to satisfy constraint: "
                "Member must have length less than or equal to 1"
            )
        elif any(kind != REPORT_BATCH_ITEM_FAILURES for kind in response_types):
            violations.append(
                f"Value '[{', '.join(response_types)}]' at 'functionResponseTypes' failed to satisfy constraint: "
                f"Member must satisfy constraint: [Member must satisfy enum value set: [{REPORT_BATCH_ITEM_FAILURES}]]"
            )
    for number, pattern in enumerate(_raw_patterns(body.get("FilterCriteria")), start=1):
        if isinstance(pattern, str) and len(pattern) > MAX_PATTERN_CHARACTERS:
            violations.append(
                f"Value '{pattern}' at 'filterCriteria.filters.{number}.member.pattern' failed to satisfy "
                f"constraint: Member must have length less than or equal to {MAX_PATTERN_CHARACTERS}"
            )
    if violations:
        raise LambdaValidationException(validation_message(violations))


def _check_types(body: Mapping[str, Any]) -> None:
    def refuse(name: str, kind: str) -> InvalidParameterValueException:
        return InvalidParameterValueException(f"{name} must be {kind}.")

    for name in ("FunctionName", "EventSourceArn", "TableName", "StartingPosition"):
        if body.get(name) is not None and not isinstance(body[name], str):
            raise refuse(name, "a string")
    for wire_name, _, _, _ in _INTEGER_FIELDS:
        value = body.get(wire_name)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise refuse(wire_name, "an integer")
    for wire_name in _BOOLEAN_FIELDS:
        if body.get(wire_name) is not None and not isinstance(body[wire_name], bool):
            raise refuse(wire_name, "a boolean")
    response_types = body.get("FunctionResponseTypes")
    if response_types is not None and (
        not isinstance(response_types, list) or not all(isinstance(kind, str) for kind in response_types)
    ):
        raise refuse("FunctionResponseTypes", "a list of strings")
    criteria = body.get("FilterCriteria")
    if criteria is not None:
        filters = criteria.get("Filters") if isinstance(criteria, Mapping) else None
        if not isinstance(criteria, Mapping) or (filters is not None and not isinstance(filters, list)):
            raise refuse("FilterCriteria", 'an object {"Filters": [{"Pattern": "..."}]}')
    destination = body.get("DestinationConfig")
    if destination is not None and not isinstance(destination, Mapping):
        raise refuse("DestinationConfig", 'an object {"OnFailure": {"Destination": "..."}}')


def _event_source(body: Mapping[str, Any]) -> tuple[str | None, str | None]:
    arn = body.get("EventSourceArn")
    table_name = body.get("TableName")
    if arn is not None and table_name is not None:
        raise InvalidParameterValueException("Specify EventSourceArn or TableName, not both.")
    if table_name is not None:
        if not table_name:
            raise InvalidParameterValueException("Unrecognized event source.")
        return None, table_name
    if not arn or parse_stream_arn(arn) is None:
        # Only DynamoDB stream ARNs are event sources here (Lambda also knows Kinesis, SQS, Kafka…).
        raise InvalidParameterValueException("Unrecognized event source.")
    return arn, None


def _function(name: str, functions: Mapping[str, FunctionDefinition] | None) -> tuple[str, float, str | None]:
    """(handler, Timeout, declared name) for a FunctionName: a name or function ARN from the Functions
    section, a handler reference "package.module:function", or an http(s) URL."""
    known = functions or {}
    arn = _FUNCTION_ARN.fullmatch(name)
    short_name = arn["name"] if arn is not None else name
    if short_name in known:
        definition = known[short_name]
        return definition.handler, definition.timeout_seconds, short_name
    if _HANDLER_REFERENCE.fullmatch(name) or name.startswith(("http://", "https://")):
        return name, DEFAULT_FUNCTION_TIMEOUT_SECONDS, None
    raise InvalidParameterValueException("Function does not exist")


def _destination(config: Mapping[str, Any]) -> str | None:
    if config.get("OnSuccess"):
        raise InvalidParameterValueException(UNSUPPORTED_DESTINATION)
    on_failure = config.get("OnFailure")
    if on_failure is None:
        return None
    if not isinstance(on_failure, Mapping):
        raise InvalidParameterValueException(UNSUPPORTED_DESTINATION)
    destination = on_failure.get("Destination")
    if destination is None or destination == "":
        return None
    if isinstance(destination, str) and destination.startswith("arn:") and not _AWS_DESTINATION.fullmatch(
        destination
    ):
        raise InvalidParameterValueException(UNSUPPORTED_DESTINATION)
    if not isinstance(destination, str) or not destination.startswith((*_DESTINATION_SCHEMES, "arn:")):
        raise InvalidParameterValueException(
            f"Unsupported OnFailure destination {destination!r}: shardline delivers failure records to "
            "file:///path.jsonl or an http(s):// URL (an SQS, SNS or S3 ARN is accepted and the records logged)."
        )
    return destination


def _raw_patterns(criteria: Any) -> list[Any]:
    if not isinstance(criteria, Mapping):
        return []
    filters = criteria.get("Filters")
    if not isinstance(filters, list):
        return []
    return [entry.get("Pattern") if isinstance(entry, Mapping) else entry for entry in filters]


def _filter_patterns(criteria: Mapping[str, Any]) -> tuple[str, ...]:
    patterns = _raw_patterns(criteria)
    if len(patterns) > MAX_FILTERS:
        raise InvalidParameterValueException(
            f"The filter criteria hold {len(patterns)} filters; at most {MAX_FILTERS} are allowed."
        )
    texts: list[str] = []
    for pattern in patterns:
        if not isinstance(pattern, str):
            raise InvalidParameterValueException("Invalid filter pattern definition.")
        texts.append(pattern)
    compile_filter_criteria(texts)
    return tuple(texts)


def stable_uuid(function_name: str, event_source: str) -> str:
    """The UUID of a triggers-file mapping: the same function and source keep their UUID (and so their
    checkpoints) across restarts and edits of the other settings."""
    return str(uuid_module.uuid5(uuid_module.NAMESPACE_URL, f"shardline-trigger:{function_name}\n{event_source}"))


def pattern_text(pattern: Any) -> Any:
    """A triggers file may write a Pattern as YAML instead of a JSON string."""
    return json.dumps(pattern) if isinstance(pattern, dict) else pattern


def load_triggers_file(path: Path) -> list[MappingConfig]:
    """The mappings of a YAML triggers file (see triggers/triggers_file.py); raises TriggersFileError."""
    from shardline.triggers.triggers_file import read_triggers_file  # the YAML reader builds on this module

    return read_triggers_file(path)
