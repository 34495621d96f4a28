"""Lambda's event-source-mapping API (REST-JSON under /2015-03-31/event-source-mappings/) on the service port,
over the trigger runtime: Create → 202, Get → 200, List → 200, Update → 202, Delete → 202 "Deleting"."""

from __future__ import annotations

import dataclasses
import logging
import uuid as uuid_module
from collections.abc import Mapping
from typing import Any, Protocol
from urllib.parse import parse_qs

import orjson

from shardline.errors import ServiceError
from shardline.protocol.framing import HttpResponse
from shardline.protocol.pipeline import ContextFactory
from shardline.settings import DEFAULT_ACCOUNT_ID
from shardline.streams.arns import parse_stream_arn
from shardline.triggers.lambda_errors import (
    InvalidParameterValueException,
    InvalidRequestContentException,
    LambdaServiceException,
    LambdaValidationException,
    MappingNotFoundException,
    ResourceConflictException,
    UnsupportedRouteException,
    validation_message,
)
from shardline.triggers.mapping_wire import function_arn, lambda_function_name, mapping_to_wire
from shardline.triggers.mappings import (
    FunctionDefinition,
    MappingConfig,
    mapping_from_request,
    mapping_updated,
)
from shardline.triggers.status import MappingStatus

LAMBDA_PREFIX = "/2015-03-31/event-source-mappings"
JSON = "application/json"
MAX_LIST_ITEMS = 100  # Lambda returns at most 100 mappings per page, whatever MaxItems asks

log = logging.getLogger("shardline.protocol")


class TriggerControl(Protocol):
    """The part of the trigger runtime this API drives (triggers.runtime.TriggerRuntime)."""

    async def add_mapping(self, config: MappingConfig) -> MappingStatus: ...
    async def update_mapping(self, config: MappingConfig) -> MappingStatus: ...
    async def remove_mapping(self, uuid: str) -> MappingStatus: ...
    def get(self, uuid: str) -> MappingStatus | None: ...
    def list(self) -> list[MappingStatus]: ...


class LambdaApi:
    def __init__(
        self,
        triggers: TriggerControl | None,
        context_factory: ContextFactory | None = None,
        *,
        region: str = "us-east-1",
        account_id: str = DEFAULT_ACCOUNT_ID,
        functions: Mapping[str, FunctionDefinition] | None = None,
    ) -> None:
        self._triggers = triggers
        self._context_factory = context_factory
        self._region = region
        self._account_id = account_id
        self._functions = dict(functions or {})

    async def handle(self, method: str, path: str, query_string: str, body: bytes, request_id: str) -> HttpResponse:
        try:
            status, payload = await self._route(method, path, query_string, body, request_id)
        except ServiceError as error:
            return lambda_error_response(error)
        except KeyError:  # the mapping went away between the lookup and the change
            return lambda_error_response(MappingNotFoundException())
        except Exception:  # never a DynamoDB-shaped error on Lambda's API: log it, answer as Lambda would
            log.exception("event source mapping request %s failed", request_id)
            return lambda_error_response(LambdaServiceException("Internal error in the trigger runtime."))
        return HttpResponse(status, orjson.dumps(payload), JSON)

    async def _route(
        self, method: str, path: str, query_string: str, body: bytes, request_id: str
    ) -> tuple[int, dict[str, Any]]:
        rest = path[len(LAMBDA_PREFIX):].strip("/")
        if "/" in rest:
            raise UnsupportedRouteException(f"No operation is served at {method} {path}")
        triggers = self._runtime()
        if not rest:
            if method == "POST":
                return 202, await self._create(triggers, _json_body(body), request_id)
            if method == "GET":
                return 200, self._list(triggers, query_string)
        else:
            if method == "GET":
                return 200, self._wire(_known(triggers, rest))
            if method == "PUT":
                return 202, await self._update(triggers, rest, _json_body(body))
            if method == "DELETE":
                _known(triggers, rest)
                removed = await triggers.remove_mapping(rest)
                # Lambda answers a delete with the mapping as it was, in state Deleting.
                return 202, self._wire(dataclasses.replace(removed, state="Deleting"))
        raise UnsupportedRouteException(f"No operation is served at {method} {path}")

    def _runtime(self) -> TriggerControl:
        if self._triggers is None:
            raise LambdaServiceException()
        return self._triggers

    async def _create(self, triggers: TriggerControl, body: dict[str, Any], request_id: str) -> dict[str, Any]:
        config = mapping_from_request(body, uuid=str(uuid_module.uuid4()), functions=self._functions)
        if config.event_source_arn is not None:
            await self._check_stream_exists(config.event_source_arn, request_id)
        for existing in triggers.list():
            if _same_source(existing, config) and existing.config.function_name == config.function_name:
                source = config.event_source_arn or config.table_name
                raise ResourceConflictException(
                    f'The event source arn (" {source} ") and function (" {body["FunctionName"]} ") provided '
                    "mapping already exists. Please update or delete the existing mapping with UUID "
                    f"{existing.config.uuid}"
                )
        return self._wire(await triggers.add_mapping(config))

    async def _update(self, triggers: TriggerControl, uuid: str, body: dict[str, Any]) -> dict[str, Any]:
        current = _known(triggers, uuid)
        config = mapping_updated(current.config, body, functions=self._functions)
        return self._wire(await triggers.update_mapping(config))

    def _list(self, triggers: TriggerControl, query_string: str) -> dict[str, Any]:
        query = {name: values[-1] for name, values in parse_qs(query_string, keep_blank_values=True).items()}
        source = query.get("EventSourceArn")
        function = query.get("FunctionName")
        limit = _max_items(query.get("MaxItems"))
        chosen = [
            status for status in triggers.list()
            if (source is None or source in (status.config.event_source_arn, status.stream_arn))
            and (function is None or self._names_function(status.config, function))
        ]
        start = 0
        marker = query.get("Marker")
        if marker:
            uuids = [status.config.uuid for status in chosen]
            if marker not in uuids:
                raise InvalidParameterValueException(f"Invalid marker: {marker}")
            start = uuids.index(marker)
        page = chosen[start:start + limit]
        result: dict[str, Any] = {"EventSourceMappings": [self._wire(status) for status in page]}
        if start + limit < len(chosen):
            result["NextMarker"] = chosen[start + limit].config.uuid
        return result

    def _names_function(self, config: MappingConfig, function: str) -> bool:
        name = lambda_function_name(config)
        if function in (config.function_name, name,
                        function_arn(name, region=self._region, account_id=self._account_id)):
            return True
        definition = self._functions.get(function.rsplit(":function:", 1)[-1].split(":", 1)[0])
        return definition is not None and definition.handler == config.function_name

    async def _check_stream_exists(self, arn: str, request_id: str) -> None:
        if self._context_factory is None:
            return
        parsed = parse_stream_arn(arn)
        missing = InvalidParameterValueException(f"Stream not found: {arn}")
        if parsed is None or parsed.region != self._region or parsed.account != self._account_id:
            raise missing
        context = self._context_factory(request_id)
        stream = await context.storage.read(lambda view: view.get_stream(parsed.table_name, parsed.label))
        if stream is None:
            raise missing

    def _wire(self, status: MappingStatus) -> dict[str, Any]:
        wire = mapping_to_wire(
            status.config, status, region=self._region, account_id=self._account_id,
            event_source_arn=status.stream_arn,
        )
        # shardline's own visibility (botocore ignores members its model does not have).
        wire["ShardlineStatus"] = {
            "Shards": [
                {"ShardId": shard.shard_id, "Position": shard.position,
                 "IteratorAgeMilliseconds": shard.iterator_age_ms, "Finished": shard.finished}
                for shard in status.shards
            ],
            "Counters": dataclasses.asdict(status.counters),
        }
        return wire


def _known(triggers: TriggerControl, uuid: str) -> MappingStatus:
    status = triggers.get(uuid)
    if status is None:
        raise MappingNotFoundException()
    return status


def _same_source(status: MappingStatus, config: MappingConfig) -> bool:
    if config.event_source_arn is not None:
        return config.event_source_arn in (status.config.event_source_arn, status.stream_arn)
    return config.table_name is not None and config.table_name == status.config.table_name


def _max_items(text: str | None) -> int:
    if text is None or text == "":
        return MAX_LIST_ITEMS
    try:
        count = int(text)
    except ValueError as error:
        raise InvalidParameterValueException(f"MaxItems must be a number, not {text!r}") from error
    if not 1 <= count <= 10_000:
        bound = "greater than or equal to 1" if count < 1 else "less than or equal to 10000"
        raise LambdaValidationException(validation_message(
            [f"Value '{count}' at 'maxItems' failed to satisfy constraint: Member must have value {bound}"]
        ))
    return min(count, MAX_LIST_ITEMS)


def _json_body(body: bytes) -> dict[str, Any]:
    try:
        parsed = orjson.loads(body or b"{}")
    except orjson.JSONDecodeError as error:
        raise InvalidRequestContentException("Could not parse request body into json") from error
    if not isinstance(parsed, dict):
        raise InvalidRequestContentException("Could not parse request body into json")
    return parsed


def lambda_error_response(error: ServiceError) -> HttpResponse:
    """Lambda's error form: the code in x-amzn-ErrorType, a {"Type": "User", "message": …} body."""
    kind = "Service" if error.http_status >= 500 else "User"
    body = {"Type": kind, error.message_key: error.message}
    return HttpResponse(error.http_status, orjson.dumps(body), JSON, [("x-amzn-ErrorType", error.code())])
