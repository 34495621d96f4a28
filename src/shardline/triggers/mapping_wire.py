"""A mapping as Lambda answers it: the EventSourceMappingConfiguration shape, with the function under the
Lambda-legal name it is known by."""

from __future__ import annotations

import re
from typing import Any, Protocol

from shardline.settings import DEFAULT_ACCOUNT_ID
from shardline.triggers.mappings import REPORT_BATCH_ITEM_FAILURES, MappingConfig

_UNSAFE_NAME_CHARACTERS = re.compile(r"[^A-Za-z0-9_-]+")
MAX_FUNCTION_NAME_CHARACTERS = 64


def lambda_function_name(config: MappingConfig) -> str:
    """The function's name as Lambda reports it (FunctionArn, context.function_name, the log group): the
    declared name, else one derived from the handler or URL, since a Lambda name allows only letters, digits,
    '-' and '_' (`pkg.mod:fn` becomes `pkg-mod-fn`)."""
    if config.declared_function_name:
        return config.declared_function_name
    target = config.function_name.split("://", 1)[-1]
    return _UNSAFE_NAME_CHARACTERS.sub("-", target).strip("-")[:MAX_FUNCTION_NAME_CHARACTERS] or "function"


class MappingState(Protocol):
    """What the runtime reports about a mapping (its MappingStatus has these)."""

    @property
    def state(self) -> str: ...
    @property
    def state_transition_reason(self) -> str: ...
    @property
    def last_processing_result(self) -> str: ...
    @property
    def last_modified(self) -> float: ...


def function_arn(function_name: str, *, region: str, account_id: str) -> str:
    return f"arn:aws:lambda:{region}:{account_id}:function:{function_name}"


def mapping_arn(uuid: str, *, region: str, account_id: str) -> str:
    return f"arn:aws:lambda:{region}:{account_id}:event-source-mapping:{uuid}"


def mapping_to_wire(
    config: MappingConfig,
    state: MappingState,
    *,
    region: str = "us-east-1",
    account_id: str = DEFAULT_ACCOUNT_ID,
    event_source_arn: str | None = None,
) -> dict[str, Any]:
    """Lambda's EventSourceMappingConfiguration. `event_source_arn` is the stream a TableName mapping
    resolved to, when it has; until then the table's name stands in."""
    wire: dict[str, Any] = {
        "UUID": config.uuid,
        "StartingPosition": config.starting_position,
        "BatchSize": config.batch_size,
        "MaximumBatchingWindowInSeconds": config.maximum_batching_window_seconds,
        "ParallelizationFactor": config.parallelization_factor,
        "EventSourceArn": config.event_source_arn or event_source_arn or config.table_name,
    }
    if config.starting_position_timestamp is not None:
        wire["StartingPositionTimestamp"] = config.starting_position_timestamp
    if config.filter_patterns:
        wire["FilterCriteria"] = {"Filters": [{"Pattern": pattern} for pattern in config.filter_patterns]}
    on_failure = {"Destination": config.on_failure_destination} if config.on_failure_destination else {}
    wire.update({
        "FunctionArn": function_arn(lambda_function_name(config), region=region, account_id=account_id),
        "LastModified": state.last_modified,
        "LastProcessingResult": state.last_processing_result,
        "State": state.state,
        "StateTransitionReason": state.state_transition_reason,
        "DestinationConfig": {"OnFailure": on_failure},
        "MaximumRecordAgeInSeconds": config.maximum_record_age_seconds,
        "BisectBatchOnFunctionError": config.bisect_batch_on_function_error,
        "MaximumRetryAttempts": config.maximum_retry_attempts,
        "TumblingWindowInSeconds": config.tumbling_window_seconds,
        "FunctionResponseTypes": [REPORT_BATCH_ITEM_FAILURES] if config.report_batch_item_failures else [],
        "EventSourceMappingArn": mapping_arn(config.uuid, region=region, account_id=account_id),
    })
    return wire
