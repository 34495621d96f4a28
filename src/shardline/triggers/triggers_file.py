"""The YAML triggers file: `EventSourceMappings:` entries with CreateEventSourceMapping's field names (or whole
CloudFormation AWS::Lambda::EventSourceMapping resources), and an optional `Functions:` section."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

from shardline.errors import ShardlineError
from shardline.triggers.lambda_errors import LambdaError
from shardline.triggers.mappings import (
    DEFAULT_FUNCTION_TIMEOUT_SECONDS,
    MAX_FUNCTION_TIMEOUT_SECONDS,
    FunctionDefinition,
    MappingConfig,
    mapping_from_request,
    pattern_text,
    stable_uuid,
)

# Fields of CreateEventSourceMapping that mean nothing locally; accepted so that pasted definitions load.
IGNORED_FIELDS = frozenset({
    "MetricsConfig", "Tags", "KMSKeyArn", "LoggingConfig", "ScalingConfig", "ProvisionedPollerConfig",
    "SourceAccessConfigurations",
})
KNOWN_FIELDS = frozenset({
    "FunctionName", "EventSourceArn", "TableName", "StartingPosition", "StartingPositionTimestamp", "BatchSize",
    "MaximumBatchingWindowInSeconds", "FilterCriteria", "MaximumRetryAttempts", "MaximumRecordAgeInSeconds",
    "BisectBatchOnFunctionError", "DestinationConfig", "FunctionResponseTypes", "TumblingWindowInSeconds",
    "ParallelizationFactor", "Enabled", "UUID",
}) | IGNORED_FIELDS


class TriggersFileError(ShardlineError):
    """A triggers file that cannot be read or holds an invalid mapping; the message names the place."""


def read_triggers_file(path: Path) -> list[MappingConfig]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise TriggersFileError(f"{path}: cannot read the triggers file: {error.strerror or error}") from error
    except yaml.YAMLError as error:
        raise TriggersFileError(f"{path}: not valid YAML: {error}") from error
    return mappings_of_document(document, source=str(path))


def read_triggers_functions(path: Path) -> dict[str, FunctionDefinition]:
    """The `Functions:` section of a triggers file, so that mappings made through the API can name them."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise TriggersFileError(f"{path}: cannot read the triggers file: {error}") from error
    section = document.get("Functions") if isinstance(document, Mapping) else None
    return _functions(section, str(path))


def mappings_of_document(document: Any, *, source: str = "triggers file") -> list[MappingConfig]:
    if not isinstance(document, Mapping) or not isinstance(document.get("EventSourceMappings"), list):
        raise TriggersFileError(f"{source}: expected a top-level `EventSourceMappings:` list")
    unknown = set(document) - {"EventSourceMappings", "Functions"}
    if unknown:
        raise TriggersFileError(f"{source}: unknown top-level key(s): {', '.join(sorted(map(str, unknown)))}")
    functions = _functions(document.get("Functions"), source)
    configs: list[MappingConfig] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(document["EventSourceMappings"]):
        place = f"{source}: EventSourceMappings[{index}]"
        config = _mapping(entry, functions, place)
        if config.uuid in seen:
            raise TriggersFileError(
                f"{place}: the same function and event source as EventSourceMappings[{seen[config.uuid]}] "
                "(give one of them its own UUID)"
            )
        seen[config.uuid] = index
        configs.append(config)
    return configs


def _mapping(entry: Any, functions: Mapping[str, FunctionDefinition], place: str) -> MappingConfig:
    if isinstance(entry, Mapping) and isinstance(entry.get("Properties"), Mapping):
        entry = entry["Properties"]  # a CloudFormation resource pasted whole
    if not isinstance(entry, Mapping):
        raise TriggersFileError(f"{place}: each mapping must be a mapping of CreateEventSourceMapping fields")
    unknown = [str(name) for name in entry if name not in KNOWN_FIELDS]
    if unknown:
        raise TriggersFileError(f"{place}: unknown field(s): {', '.join(sorted(unknown))}")
    body = {name: value for name, value in entry.items() if name not in IGNORED_FIELDS}
    criteria = body.get("FilterCriteria")
    if isinstance(criteria, Mapping) and isinstance(criteria.get("Filters"), list):
        body["FilterCriteria"] = {
            "Filters": [
                {**item, "Pattern": pattern_text(item.get("Pattern"))} if isinstance(item, Mapping) else item
                for item in criteria["Filters"]
            ]
        }
    function_name = body.get("FunctionName")
    source = body.get("EventSourceArn") or (f"table:{body['TableName']}" if body.get("TableName") else "")
    uuid = body.pop("UUID", None)
    if uuid is not None and not isinstance(uuid, str):
        raise TriggersFileError(f"{place}: UUID must be a string")
    try:
        return mapping_from_request(
            body, uuid=uuid or stable_uuid(str(function_name), str(source)), functions=functions
        )
    except LambdaError as error:
        raise TriggersFileError(f"{place}: {error.code()}: {error.message}") from error


def _functions(section: Any, source: str) -> dict[str, FunctionDefinition]:
    if section is None:
        return {}
    if not isinstance(section, Mapping):
        raise TriggersFileError(f"{source}: `Functions:` must map function names to their settings")
    functions: dict[str, FunctionDefinition] = {}
    for name, settings in section.items():
        place = f"{source}: Functions.{name}"
        settings = settings if settings is not None else {}
        if not isinstance(settings, Mapping):
            raise TriggersFileError(f"{place}: expected Handler and/or Timeout")
        unknown = set(settings) - {"Handler", "Timeout"}
        if unknown:
            raise TriggersFileError(f"{place}: unknown field(s): {', '.join(sorted(map(str, unknown)))}")
        handler = settings.get("Handler", name)
        timeout = settings.get("Timeout", DEFAULT_FUNCTION_TIMEOUT_SECONDS)
        if not isinstance(handler, str) or not handler:
            raise TriggersFileError(f"{place}: Handler must be \"package.module:function\" or an http(s) URL")
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not (
            1 <= timeout <= MAX_FUNCTION_TIMEOUT_SECONDS
        ):
            raise TriggersFileError(f"{place}: Timeout must be a number of seconds from 1 to 900")
        functions[str(name)] = FunctionDefinition(handler, float(timeout))
    return functions
