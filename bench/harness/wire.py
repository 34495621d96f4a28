"""A small HTTP/1.1 keep-alive client for DynamoDB's JSON protocol, built for load generation.

Requests are pre-encoded bytes; responses are parsed with httptools, so the client costs little per call.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, cast

import httptools
import orjson

DYNAMODB = "DynamoDB_20120810"
STREAMS = "DynamoDBStreams_20120810"

# Every peer accepts any signature; the header only has to be well formed (a real date and credential scope).
_AUTH = (
    "AWS4-HMAC-SHA256 Credential=bench/20260101/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=host;x-amz-date;x-amz-target, Signature=" + "0" * 64
)


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


class ApiError(Exception):
    """A non-200 answer: status, AWS error code (the part of __type after '#') and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"HTTP {status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


def encode_request(endpoint: Endpoint, target: str, payload: bytes) -> bytes:
    head = (
        f"POST / HTTP/1.1\r\nHost: {endpoint.host}:{endpoint.port}\r\n"
        f"Content-Type: application/x-amz-json-1.0\r\nX-Amz-Target: {target}\r\n"
        f"X-Amz-Date: 20260101T000000Z\r\nAuthorization: {_AUTH}\r\nContent-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode() + payload


def encode_call(endpoint: Endpoint, operation: str, body: dict[str, Any], prefix: str = DYNAMODB) -> bytes:
    return encode_request(endpoint, f"{prefix}.{operation}", orjson.dumps(body))


def error_of(status: int, body: bytes) -> ApiError:
    try:
        document = orjson.loads(body) if body else {}
    except orjson.JSONDecodeError:
        return ApiError(status, "NotJson", body[:200].decode(errors="replace"))
    if not isinstance(document, dict):
        return ApiError(status, "NotAnObject", body[:200].decode(errors="replace"))
    code = str(document.get("__type", "")).rpartition("#")[2]
    message = document.get("message", document.get("Message", ""))
    return ApiError(status, code, str(message))


class _HttpProtocol(asyncio.Protocol):
    """One connection with at most one request in flight (no pipelining)."""

    def __init__(self) -> None:
        self._parser = httptools.HttpResponseParser(self)
        self._transport: asyncio.Transport | None = None
        self._waiter: asyncio.Future[tuple[int, bytes, bool]] | None = None
        self._chunks: list[bytes] = []
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self._transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._fail(ConnectionError(f"unparseable response: {error}"))
            self.close()

    def on_body(self, body: bytes) -> None:
        self._chunks.append(body)

    def on_message_complete(self) -> None:
        body = b"".join(self._chunks)
        self._chunks = []
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result((self._parser.get_status_code(), body, self._parser.should_keep_alive()))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail(ConnectionError("connection closed by the server"))

    def _fail(self, error: Exception) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(error)

    def send(self, raw: bytes) -> asyncio.Future[tuple[int, bytes, bool]]:
        assert self._transport is not None and self._waiter is None
        self._waiter = asyncio.get_running_loop().create_future()
        self._transport.write(raw)
        return self._waiter

    def close(self) -> None:
        self.closed = True
        if self._transport is not None:
            self._transport.close()


class Channel:
    """A keep-alive connection that reconnects when the server closes it (some peers answer HTTP/1.0-style)."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self._protocol: _HttpProtocol | None = None

    async def send(self, raw: bytes) -> tuple[int, bytes]:
        reused = self._protocol is not None and not self._protocol.closed
        try:
            return await self._send_once(raw)
        except ConnectionError:
            if not reused:
                raise
        # A kept-alive connection the server closed while idle (without saying so): retry once on a new one.
        self.close()
        return await self._send_once(raw)

    async def _send_once(self, raw: bytes) -> tuple[int, bytes]:
        if self._protocol is None or self._protocol.closed:
            loop = asyncio.get_running_loop()
            _, protocol = await loop.create_connection(_HttpProtocol, self.endpoint.host, self.endpoint.port)
            self._protocol = protocol
        status, body, keep_alive = await self._protocol.send(raw)
        if not keep_alive:
            self.close()
        return status, body

    def close(self) -> None:
        if self._protocol is not None:
            self._protocol.close()
            self._protocol = None


class Api:
    """Convenience calls for setup and stream reading (not for the timed hot loops, which send raw bytes)."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self.channel = Channel(endpoint)

    async def call(self, operation: str, body: dict[str, Any], prefix: str = DYNAMODB) -> dict[str, Any]:
        status, answer = await self.channel.send(encode_call(self.endpoint, operation, body, prefix))
        if status != 200:
            raise error_of(status, answer)
        document = orjson.loads(answer) if answer else {}
        if not isinstance(document, dict):
            raise ApiError(status, "NotAnObject", answer[:200].decode(errors="replace"))
        return document

    async def streams(self, operation: str, body: dict[str, Any]) -> dict[str, Any]:
        return await self.call(operation, body, STREAMS)

    def close(self) -> None:
        self.channel.close()
