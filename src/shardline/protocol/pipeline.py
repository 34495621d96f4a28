"""One request through DynamoDB's checks in AWS's order: method and content type → JSON → target →
authentication → empty body → shapes → operation. Every outcome, failures included, is an HttpResponse."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from shardline.errors import SerializationException
from shardline.operations.context import OperationContext
from shardline.protocol.auth import Authenticator, check_authentication
from shardline.protocol.dispatch import Dispatcher
from shardline.protocol.error_envelope import render_error
from shardline.protocol.framing import (
    ACCEPTED_CONTENT_TYPES,
    CORS_MAX_AGE_SECONDS,
    NOT_FOUND_BODY,
    HttpResponse,
    media_type,
    response_content_type,
)
from shardline.protocol.shapes import RequestShapes
from shardline.protocol.sigv4 import SignedRequest

ContextFactory = Callable[[str], OperationContext]


# Not frozen: a frozen dataclass's __init__ costs ~4x more, and this one is built for every request.
@dataclass(slots=True)
class HttpRequest:
    method: str
    query_string: str
    headers: Mapping[str, str]  # lower-case names
    body: bytes
    request_id: str
    # What signature verification needs besides: the path as sent, every header in arrival order and the
    # body before Content-Encoding was undone (None: same as body).
    raw_path: str = "/"
    header_list: tuple[tuple[str, str], ...] = field(default=())
    payload: bytes | None = None

    def signed_parts(self) -> SignedRequest:
        headers = self.header_list or tuple(self.headers.items())
        payload = self.body if self.payload is None else self.payload
        return SignedRequest(self.method, self.raw_path, self.query_string, headers, payload)


def parse_json(body: bytes) -> Any:
    """The request document; anything orjson refuses (bad syntax, invalid UTF-8, lone surrogates, numbers
    beyond a double) is AWS's message-less SerializationException. orjson reads integers beyond 64 bits
    as floats, as AWS's parser reads them as big numbers, so those are accepted."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as broken:
        raise SerializationException() from broken


class Pipeline:
    def __init__(
        self,
        dispatcher: Dispatcher,
        shapes: RequestShapes,
        context_factory: ContextFactory,
        authenticator: Authenticator | None = None,
    ) -> None:
        self._dispatcher = dispatcher
        self._shapes = shapes
        self._context_factory = context_factory
        self._authenticator = authenticator if authenticator is not None else Authenticator()

    async def handle(self, request: HttpRequest) -> HttpResponse:
        method = request.method
        if "origin" in request.headers and method == "OPTIONS":
            return self._preflight(request)
        request_type = media_type(request.headers.get("content-type"))
        if method != "POST" or (request.body and request_type not in ACCEPTED_CONTENT_TYPES):
            return HttpResponse(404, NOT_FOUND_BODY)
        content_type = response_content_type(request_type)
        try:
            result = await self._run(request)
        except Exception as error:
            status, body = render_error(error, request.request_id)
            return HttpResponse(status, body, content_type)
        return HttpResponse(200, orjson.dumps(result), content_type)

    async def _run(self, request: HttpRequest) -> dict[str, Any]:
        body: Any = parse_json(request.body) if request.body else None
        target = self._dispatcher.resolve(request.headers.get("x-amz-target"))
        if self._authenticator.verifies:
            self._authenticator.authenticate(request.headers, request.signed_parts())
        else:  # the shape checks alone, without assembling what verification would need
            check_authentication(request.headers, request.query_string)
        if not request.body:
            # AWS checks for a body only after the target and the signature.
            raise SerializationException()
        checked = self._shapes.check(target.prefix, target.operation, body)
        context = self._context_factory(request.request_id)
        return await target.handler(context, checked)

    def _preflight(self, request: HttpRequest) -> HttpResponse:
        headers = [("Access-Control-Max-Age", str(CORS_MAX_AGE_SECONDS))]
        requested_headers = request.headers.get("access-control-request-headers")
        if requested_headers:
            headers.append(("Access-Control-Allow-Headers", requested_headers))
        requested_method = request.headers.get("access-control-request-method")
        if requested_method:
            headers.append(("Access-Control-Allow-Methods", requested_method))
        return HttpResponse(200, b"", None, headers)
