"""The application: GET → health text, POST → the DynamoDB pipeline, anything else → AWS's 404. It undoes
gzip and puts the framing headers on every answer; handle_http is the entry of our own HTTP server, and the
ASGI __call__ (which reads bodies up to the size limit itself) stays for other servers and tests."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import quote, unquote

from shardline.errors import SerializationException, ShardlineError
from shardline.operations.registry import Handler
from shardline.protocol.admin import ADMIN_PREFIX, AdminEndpoint
from shardline.protocol.auth import SIGNING_SERVICE, Authenticator
from shardline.protocol.dispatch import Dispatcher
from shardline.protocol.error_envelope import render_error
from shardline.protocol.framing import (
    MAX_REQUEST_BYTES,
    BodyTooLarge,
    HttpResponse,
    UndecodableBody,
    decode_body,
    media_type,
    new_request_id,
    response_content_type,
    response_headers,
)
from shardline.protocol.lambda_api import LAMBDA_PREFIX, LambdaApi
from shardline.protocol.pipeline import ContextFactory, HttpRequest, Pipeline
from shardline.protocol.shapes import RequestShapes

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
# (status, response headers with lower-case names, body): what handle_http answers.
HttpAnswer = tuple[int, list[tuple[bytes, bytes]], bytes]

log = logging.getLogger("shardline.protocol")


class ShardlineApp:
    """An ASGI 3 callable; build it with build_app()."""

    def __init__(
        self,
        pipeline: Pipeline,
        region: str,
        admin: AdminEndpoint | None = None,
        authenticator: Authenticator | None = None,
        lambda_api: LambdaApi | None = None,
    ) -> None:
        self._pipeline = pipeline
        self._admin = admin
        self._lambda_api = lambda_api
        self._authenticator = authenticator if authenticator is not None else Authenticator()
        self._health = f"healthy: dynamodb.{region}.amazonaws.com ".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            await _lifespan(receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        header_list = tuple((name.decode("latin-1"), value.decode("latin-1")) for name, value in scope["headers"])
        try:
            raw = await _read_body(receive, header_list)
        except BodyTooLarge:
            status, headers, body = self.too_large_answer()
        else:
            path = str(scope.get("path", "/"))
            status, headers, body = await self.handle_http(
                scope["method"], _raw_path(scope, path), scope.get("query_string", b"").decode("latin-1"),
                header_list, raw, path,
            )
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def too_large_answer(self) -> HttpAnswer:
        # AWS answers an oversized body with a bare, chunked 413; no Content-Length means the server
        # frames it with chunked transfer encoding.
        return 413, [(b"x-amzn-requestid", new_request_id().encode("ascii"))], b""

    async def handle_http(
        self,
        method: str,
        raw_path: str,
        query_string: str,
        header_list: tuple[tuple[str, str], ...],
        raw: bytes,
        path: str | None = None,
    ) -> HttpAnswer:
        """The fast entry used by protocol/http_server.py: one complete request (header names in lower
        case, in arrival order; the body as received) to (status, framed headers, body). `path` is
        raw_path with %-escapes undone (computed when not given)."""
        request_id = new_request_id()
        headers = dict(header_list)
        if path is None:
            path = unquote(raw_path) if "%" in raw_path else raw_path
        try:
            response = await self._respond(method, path, raw_path, query_string, headers, header_list, raw,
                                           request_id)
        except BodyTooLarge:  # a compressed body that inflates beyond the limit
            return 413, [(b"x-amzn-requestid", request_id.encode("ascii"))], b""
        except Exception as error:  # the last line of defence: never drop a request without an answer
            status, body = render_error(error, request_id)
            response = HttpResponse(status, body, _content_type_for(headers))
        if "origin" in headers:
            response.extra_headers.append(("Access-Control-Allow-Origin", "*"))
        return response.status, response_headers(response, request_id), response.body

    async def _respond(
        self,
        method: str,
        path: str,
        raw_path: str,
        query_string: str,
        headers: Mapping[str, str],
        header_list: tuple[tuple[str, str], ...],
        raw: bytes,
        request_id: str,
    ) -> HttpResponse:
        if self._admin is not None and path.startswith(ADMIN_PREFIX):
            if self._authenticator.verifies:
                # Under --auth the controls obey the same rule as the API: a valid SigV4 signature.
                denied = self._deny(headers, HttpRequest(method, query_string, headers, raw, request_id,
                                                         raw_path, header_list))
                if denied is not None:
                    return denied
            return await self._admin.handle(method, path, raw, request_id)
        if self._lambda_api is not None and path.startswith(LAMBDA_PREFIX):
            if self._authenticator.verifies:
                # Lambda clients sign with the service name "lambda".
                denied = self._deny(headers, HttpRequest(method, query_string, headers, raw, request_id,
                                                         raw_path, header_list), service="lambda")
                if denied is not None:
                    return denied
            return await self._lambda_api.handle(method, path, query_string, raw, request_id)
        if method == "GET":
            return HttpResponse(200, self._health)
        try:
            body = decode_body(raw, headers.get("content-encoding"))
        except UndecodableBody:
            status, payload = render_error(SerializationException(), request_id)
            return HttpResponse(status, payload, _content_type_for(headers))
        request = HttpRequest(
            method=method,
            query_string=query_string,
            headers=headers,
            body=body,
            request_id=request_id,
            raw_path=raw_path,
            header_list=header_list,
            payload=raw,
        )
        return await self._pipeline.handle(request)

    def _deny(
        self, headers: Mapping[str, str], request: HttpRequest, service: str = SIGNING_SERVICE
    ) -> HttpResponse | None:
        try:
            self._authenticator.authenticate(headers, request.signed_parts(), service)
        except ShardlineError as refused:
            status, payload = render_error(refused, request.request_id)
            return HttpResponse(status, payload, _content_type_for(headers))
        return None


def _raw_path(scope: Scope, path: str) -> str:
    raw = scope.get("raw_path")
    if isinstance(raw, bytes) and raw:
        return raw.decode("latin-1").split("?", 1)[0]
    return quote(path, safe="/~!$&'()*+,;=:@%")


def _content_type_for(headers: Mapping[str, str]) -> str:
    return response_content_type(media_type(headers.get("content-type")))


async def _read_body(receive: Receive, header_list: tuple[tuple[str, str], ...]) -> bytes:
    declared = dict(header_list).get("content-length")
    if declared is not None and declared.isascii() and declared.isdigit() and int(declared) > MAX_REQUEST_BYTES:
        raise BodyTooLarge()
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        if chunk:
            size += len(chunk)
            if size > MAX_REQUEST_BYTES:
                raise BodyTooLarge()
            chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def build_app(
    registry: Mapping[tuple[str, str], Handler],
    context_factory: ContextFactory,
    *,
    region: str = "us-east-1",
    shapes: RequestShapes | None = None,
    authenticator: Authenticator | None = None,
    lambda_api: LambdaApi | None = None,
) -> ShardlineApp:
    """The ASGI app over an operation registry; loads botocore's models once, here. Without an
    authenticator, signatures are checked for shape only."""
    checker = authenticator if authenticator is not None else Authenticator()
    pipeline = Pipeline(Dispatcher(registry), shapes or RequestShapes.load(), context_factory, checker)
    # Lambda's event-source-mapping API answers even without a trigger runtime (with ServiceException).
    mappings_api = lambda_api if lambda_api is not None else LambdaApi(None, context_factory, region=region)
    return ShardlineApp(pipeline, region, AdminEndpoint(context_factory), checker, mappings_api)
