"""shardline's own controls, under /-/ on the service port (never DynamoDB operations): POST JSON in, JSON out,
errors in the usual {"__type", "message"} envelope.

    POST /-/shards/split   {"TableName": "orders"}   splits every open shard of the table's stream
"""

from __future__ import annotations

from typing import Any

import orjson

from shardline.errors import SerializationException, ShardlineError, ValidationException
from shardline.operations.streams.split_shards import split_shards
from shardline.protocol.error_envelope import render_error
from shardline.protocol.framing import HttpResponse
from shardline.protocol.pipeline import ContextFactory

ADMIN_PREFIX = "/-/"
JSON = "application/json"


class AdminEndpoint:
    def __init__(self, context_factory: ContextFactory) -> None:
        self._context_factory = context_factory

    async def handle(self, method: str, path: str, body: bytes, request_id: str) -> HttpResponse:
        try:
            if path != "/-/shards/split":
                return HttpResponse(404, orjson.dumps({"message": f"no such control: {path}"}), JSON)
            if method != "POST":
                return HttpResponse(405, orjson.dumps({"message": "use POST"}), JSON)
            request = _json_object(body)
            table_name = request.get("TableName")
            if not isinstance(table_name, str) or not table_name:
                raise ValidationException("TableName is required")
            result = await split_shards(self._context_factory(request_id), table_name)
            return HttpResponse(200, orjson.dumps(result), JSON)
        except ShardlineError as error:
            status, payload = render_error(error, request_id)
            return HttpResponse(status, payload, JSON)


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        parsed = orjson.loads(body or b"{}")
    except orjson.JSONDecodeError as error:
        raise SerializationException("the body is not JSON") from error
    if not isinstance(parsed, dict):
        raise SerializationException("the body must be a JSON object")
    return parsed
