"""protocol/asgi.py and pipeline.py in-process, over a stub registry: ordering of the checks, what the
operation receives, and that failures inside an operation become well-formed errors."""

from __future__ import annotations

import asyncio
import gzip
from pathlib import Path
from typing import Any

import orjson
import pytest

from shardline.clock import FakeClock
from shardline.errors import ResourceNotFoundException
from shardline.operations.context import OperationContext
from shardline.protocol.asgi import ShardlineApp, build_app
from shardline.protocol.shapes import RequestShapes
from shardline.settings import Settings

AUTH = {
    "authorization": "AWS4-HMAC-SHA256 Credential=a/20240101/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=host, Signature=abc",
    "x-amz-date": "20240101T000000Z",
}
seen: list[tuple[OperationContext, dict[str, Any]]] = []


async def list_tables(ctx: OperationContext, body: dict[str, Any]) -> dict[str, Any]:
    seen.append((ctx, body))
    return {"TableNames": ["é"]}


async def describe_table(ctx: OperationContext, body: dict[str, Any]) -> dict[str, Any]:
    raise ResourceNotFoundException(f"Requested resource not found: Table: {body['TableName']} not found")


async def delete_table(ctx: OperationContext, body: dict[str, Any]) -> dict[str, Any]:
    raise RuntimeError("a bug with a secret in it")


@pytest.fixture(scope="module")
def app() -> ShardlineApp:
    registry = {
        ("DynamoDB_20120810", "ListTables"): list_tables,
        ("DynamoDB_20120810", "DescribeTable"): describe_table,
        ("DynamoDB_20120810", "DeleteTable"): delete_table,
    }
    settings = Settings(data_dir=Path("unused"))

    def context_for(request_id: str) -> OperationContext:
        return OperationContext(storage=None, clock=FakeClock(), settings=settings, request_id=request_id)  # type: ignore[arg-type]

    return build_app(registry, context_for, region="us-east-1", shapes=RequestShapes.load())


def request(
    app: ShardlineApp, body: bytes, headers: dict[str, str], method: str = "POST", chunks: int = 1
) -> tuple[int, dict[bytes, bytes], bytes]:
    size = max(1, -(-len(body) // chunks))
    parts = [body[i : i + size] for i in range(0, len(body), size)] or [b""]
    messages = [
        {"type": "http.request", "body": part, "more_body": index < len(parts) - 1}
        for index, part in enumerate(parts)
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": method,
        "path": "/",
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }
    asyncio.run(app(scope, receive, send))
    start, end = sent
    return start["status"], dict(start["headers"]), end["body"]


def target(operation: str, **extra: str) -> dict[str, str]:
    return {
        "content-type": "application/x-amz-json-1.0",
        "x-amz-target": f"DynamoDB_20120810.{operation}",
        **AUTH,
        **extra,
    }


def test_operation_gets_the_checked_body_and_a_context_with_the_request_id(app: ShardlineApp) -> None:
    seen.clear()
    status, headers, body = request(app, b'{"Limit": 5.9, "Extra": 1}', target("ListTables"), chunks=3)
    assert status == 200
    assert orjson.loads(body) == {"TableNames": ["é"]}
    context, checked = seen[0]
    assert checked == {"Limit": 5}
    assert context.request_id == headers[b"x-amzn-requestid"].decode()


def test_service_errors_from_operations_are_rendered(app: ShardlineApp) -> None:
    status, _, body = request(app, b'{"TableName": "orders"}', target("DescribeTable"))
    assert status == 400
    assert orjson.loads(body) == {
        "__type": "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",
        "message": "Requested resource not found: Table: orders not found",
    }


def test_unexpected_exceptions_are_500_without_detail(app: ShardlineApp) -> None:
    status, _headers, body = request(app, b'{"TableName": "orders"}', target("DeleteTable"))
    assert status == 500
    assert orjson.loads(body) == {
        "__type": "com.amazonaws.dynamodb.v20120810#InternalServerError",
        "message": "Internal server error",
    }
    assert b"secret" not in body


def test_json_is_checked_before_the_target(app: ShardlineApp) -> None:
    status, _, body = request(app, b"{not json", {"content-type": "application/x-amz-json-1.0"})
    assert (status, orjson.loads(body)) == (
        400,
        {"__type": "com.amazon.coral.service#SerializationException"},
    )


def test_target_is_checked_before_authentication(app: ShardlineApp) -> None:
    headers = {"content-type": "application/x-amz-json-1.0", "x-amz-target": "DynamoDB_20120810.Scan"}
    status, _, body = request(app, b"{}", headers)
    assert (status, orjson.loads(body)) == (
        400,
        {"__type": "com.amazon.coral.service#UnknownOperationException"},
    )


def test_authentication_is_checked_before_shapes(app: ShardlineApp) -> None:
    headers = {"content-type": "application/x-amz-json-1.0", "x-amz-target": "DynamoDB_20120810.ListTables"}
    _status, _, body = request(app, b'{"Limit": "x"}', headers)
    assert orjson.loads(body)["__type"] == "com.amazon.coral.service#MissingAuthenticationTokenException"


def test_types_are_checked_before_constraints(app: ShardlineApp) -> None:
    _status, _, body = request(app, b'{"Limit": 0, "ExclusiveStartTableName": 5}', target("ListTables"))
    assert orjson.loads(body) == {
        "__type": "com.amazon.coral.service#SerializationException",
        "Message": "NUMBER_VALUE cannot be converted to String",
    }


def test_gzip_body(app: ShardlineApp) -> None:
    status, _, _ = request(
        app, gzip.compress(b'{"Limit": 1}'), target("ListTables", **{"content-encoding": "gzip"})
    )
    assert status == 200


def test_broken_gzip_is_a_serialization_exception(app: ShardlineApp) -> None:
    status, _, body = request(app, b"nope", target("ListTables", **{"content-encoding": "gzip"}))
    assert (status, orjson.loads(body)) == (
        400,
        {"__type": "com.amazon.coral.service#SerializationException"},
    )


def test_declared_oversized_body_is_refused_before_reading(app: ShardlineApp) -> None:
    status, headers, body = request(
        app, b"{}", target("ListTables", **{"content-length": str(17 * 1024 * 1024)})
    )
    assert (status, body) == (413, b"")
    assert b"content-length" not in headers


def test_origin_gets_cors_header(app: ShardlineApp) -> None:
    _, headers, _ = request(app, b"{}", target("ListTables", origin="http://example"))
    assert headers[b"access-control-allow-origin"] == b"*"
