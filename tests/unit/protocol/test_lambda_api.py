"""Lambda's event-source-mapping REST API over a fake runtime: routes, status codes, response shapes and
Lambda's error form (x-amzn-ErrorType header, {"Type": "User", "message"/"Message"} body)."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import orjson
import pytest

from shardline.protocol.framing import HttpResponse
from shardline.protocol.lambda_api import LambdaApi
from shardline.triggers.mappings import FunctionDefinition, MappingConfig
from shardline.triggers.status import MappingStatus

STREAM_ARN = "arn:aws:dynamodb:us-east-1:000000000000:table/orders/stream/2025-01-01T00:00:00.000"
PREFIX = "/2015-03-31/event-source-mappings"


class FakeRuntime:
    def __init__(self) -> None:
        self.statuses: dict[str, MappingStatus] = {}

    def _status(self, config: MappingConfig, state: str) -> MappingStatus:
        return MappingStatus(config, state, "User action", "No records processed", 1700000000.0)

    async def add_mapping(self, config: MappingConfig) -> MappingStatus:
        self.statuses[config.uuid] = self._status(config, "Creating")
        return self.statuses[config.uuid]

    async def update_mapping(self, config: MappingConfig) -> MappingStatus:
        self.statuses[config.uuid] = self._status(config, "Updating")
        return self.statuses[config.uuid]

    async def remove_mapping(self, uuid: str) -> MappingStatus:
        return dataclasses.replace(self.statuses.pop(uuid), state="Disabled")

    def get(self, uuid: str) -> MappingStatus | None:
        return self.statuses.get(uuid)

    def list(self) -> list[MappingStatus]:
        return list(self.statuses.values())


@pytest.fixture
def api() -> LambdaApi:
    return LambdaApi(FakeRuntime(), None, functions={"notify": FunctionDefinition("app:notify", 9.0)})


def _call(api: LambdaApi, method: str, path: str, body: Any = None, query: str = "") -> HttpResponse:
    raw = b"" if body is None else (body if isinstance(body, bytes) else orjson.dumps(body))
    return asyncio.run(api.handle(method, path, query, raw, "request-1"))


def _create_body(**fields: Any) -> dict[str, Any]:
    return {"FunctionName": "app:handler", "EventSourceArn": STREAM_ARN, "StartingPosition": "LATEST", **fields}


def _error(response: HttpResponse) -> tuple[int, str, dict[str, Any]]:
    headers = dict(response.extra_headers)
    return response.status, headers["x-amzn-ErrorType"], orjson.loads(response.body)


def test_create_get_update_delete(api: LambdaApi) -> None:
    created = _call(api, "POST", PREFIX + "/", _create_body(BatchSize=5))
    assert created.status == 202
    mapping = orjson.loads(created.body)
    assert (mapping["State"], mapping["BatchSize"], mapping["EventSourceArn"]) == ("Creating", 5, STREAM_ARN)
    assert len(mapping["UUID"]) == 36
    assert mapping["FunctionArn"] == "arn:aws:lambda:us-east-1:000000000000:function:app-handler"
    path = f"{PREFIX}/{mapping['UUID']}"

    fetched = _call(api, "GET", path)
    assert fetched.status == 200
    assert orjson.loads(fetched.body)["UUID"] == mapping["UUID"]

    updated = _call(api, "PUT", path, {"BatchSize": 50})
    assert updated.status == 202
    assert (orjson.loads(updated.body)["BatchSize"], orjson.loads(updated.body)["State"]) == (50, "Updating")

    deleted = _call(api, "DELETE", path)
    assert deleted.status == 202
    assert orjson.loads(deleted.body)["State"] == "Deleting"
    assert _error(_call(api, "GET", path))[0] == 404


def test_unknown_uuid_is_lambdas_not_found(api: LambdaApi) -> None:
    for method in ("GET", "PUT", "DELETE"):
        response = _call(api, method, f"{PREFIX}/00000000-0000-0000-0000-000000000000", {})
        assert _error(response) == (404, "ResourceNotFoundException",
                                    {"Type": "User", "Message": "The resource you requested does not exist."})


def test_invalid_parameter_has_lower_case_message(api: LambdaApi) -> None:
    response = _call(api, "POST", PREFIX, _create_body(StartingPosition="AT_TIMESTAMP"))
    assert _error(response) == (400, "InvalidParameterValueException", {
        "Type": "User", "message": f"Unsupported starting position for arn type: {STREAM_ARN}"})


def test_duplicate_mapping_is_a_conflict(api: LambdaApi) -> None:
    first = orjson.loads((_call(api, "POST", PREFIX, _create_body())).body)
    status, code, body = _error(_call(api, "POST", PREFIX, _create_body()))
    assert (status, code) == (409, "ResourceConflictException")
    assert body["message"] == (
        f'The event source arn (" {STREAM_ARN} ") and function (" app:handler ") provided mapping already '
        f"exists. Please update or delete the existing mapping with UUID {first['UUID']}"
    )


def test_list_filters_and_pages(api: LambdaApi) -> None:
    other_arn = STREAM_ARN.replace("orders", "invoices")
    uuids = []
    for function, arn in (("app:a", STREAM_ARN), ("app:b", STREAM_ARN), ("notify", other_arn)):
        response = _call(api, "POST", PREFIX, _create_body(FunctionName=function, EventSourceArn=arn))
        uuids.append(orjson.loads(response.body)["UUID"])
    everything = orjson.loads((_call(api, "GET", PREFIX + "/")).body)
    assert [entry["UUID"] for entry in everything["EventSourceMappings"]] == uuids
    assert "NextMarker" not in everything
    by_source = orjson.loads((_call(api, "GET", PREFIX, query=f"EventSourceArn={STREAM_ARN}")).body)
    assert [entry["UUID"] for entry in by_source["EventSourceMappings"]] == uuids[:2]
    by_function = orjson.loads((_call(api, "GET", PREFIX, query="FunctionName=notify")).body)
    assert [entry["UUID"] for entry in by_function["EventSourceMappings"]] == uuids[2:]
    first_page = orjson.loads((_call(api, "GET", PREFIX, query="MaxItems=2")).body)
    assert [entry["UUID"] for entry in first_page["EventSourceMappings"]] == uuids[:2]
    second_page = orjson.loads(
        (_call(api, "GET", PREFIX, query=f"MaxItems=2&Marker={first_page['NextMarker']}")).body)
    assert [entry["UUID"] for entry in second_page["EventSourceMappings"]] == uuids[2:]
    assert "NextMarker" not in second_page


def test_bad_json_and_unknown_routes(api: LambdaApi) -> None:
    status, code, _ = _error(_call(api, "POST", PREFIX, b"{not json"))
    assert (status, code) == (400, "InvalidRequestContentException")
    status, code, _ = _error(_call(api, "PATCH", PREFIX + "/x"))
    assert (status, code) == (404, "UnknownOperationException")


def test_without_a_runtime_the_api_says_so() -> None:
    status, code, body = _error(_call(LambdaApi(None), "GET", PREFIX))
    assert (status, code, body["Type"]) == (500, "ServiceException", "Service")
