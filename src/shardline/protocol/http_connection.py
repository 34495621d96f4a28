"""One HTTP/1.1 connection parsed with httptools: keep-alive, pipelining (answers in request order), Content-Length
and chunked bodies, Expect: 100-continue, body and header limits; each complete request goes to the app's
handle_http and its answer is framed here."""

from __future__ import annotations

import asyncio
import http
import logging
from collections import deque
from collections.abc import Awaitable
from typing import Protocol, cast
from urllib.parse import unquote

import httptools

log = logging.getLogger("shardline.http")

# (status, response headers with lower-case names, body)
HttpAnswer = tuple[int, list[tuple[bytes, bytes]], bytes]

# The request line and headers together; SigV4 headers are well under 4 KiB.
MAX_HEADER_BYTES = 64 * 1024
# Complete requests waiting behind the one being answered before the connection stops reading.
MAX_PIPELINED = 16
# Bodies larger than this are written apart from their head instead of being copied into one buffer.
JOIN_LIMIT = 64 * 1024

_STATUS_LINES = {status.value: f"HTTP/1.1 {status.value} {status.phrase}\r\n".encode() for status in http.HTTPStatus}
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
_BAD_REQUEST = "Invalid HTTP request received."
_HEADERS_TOO_LARGE = "Request header fields too large."
_INTERNAL_ERROR = "Internal Server Error"


class HttpApplication(Protocol):
    """What the server needs of the application (protocol/asgi.py's ShardlineApp)."""

    def handle_http(
        self, method: str, raw_path: str, query_string: str, header_list: tuple[tuple[str, str], ...], raw: bytes,
        path: str | None = None,
    ) -> Awaitable[HttpAnswer]: ...

    def too_large_answer(self) -> HttpAnswer: ...


class ConnectionSet(Protocol):
    """The server side every connection reports to."""

    app: HttpApplication
    max_body_bytes: int
    date_line: bytes
    stopping: bool

    def opened(self, connection: HttpConnection) -> None: ...

    def closed(self, connection: HttpConnection) -> None:
        """The connection is closed and answers nothing any more."""


class _Request:
    __slots__ = (
        "answered", "chunks", "expect_continue", "header_list", "keep_alive", "method", "path", "query", "raw_path",
        "size", "too_large", "url",
    )

    def __init__(self) -> None:
        self.url = b""
        self.header_list: list[tuple[str, str]] = []
        self.chunks: list[bytes] = []
        self.size = 0
        self.method = ""
        self.raw_path = "/"
        self.path = "/"
        self.query = ""
        self.keep_alive = True
        self.too_large = False
        self.expect_continue = False
        self.answered = False


class HttpConnection(asyncio.Protocol):
    def __init__(self, server: ConnectionSet, loop: asyncio.AbstractEventLoop) -> None:
        self._server = server
        self._loop = loop
        self._parser = httptools.HttpRequestParser(self)
        self._transport: asyncio.Transport | None = None
        self._current: _Request | None = None  # the message being parsed
        self._head_done = False
        self._head_bytes = 0  # of the fields httptools handed over
        self._head_chunk_bytes = 0  # of whole chunks fed while the head stayed incomplete
        self._head_too_large = False
        self._ready: deque[_Request] = deque()  # complete requests waiting for their turn
        self._busy = False  # a task is answering the ready requests
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self._ignore_input = False
        self._input_ended = False
        self._stopping = False
        self._paused_for_queue = False
        self._paused_for_writes = False
        self.idle_since = loop.time()
        # When the request being received began (its first byte), None between requests: the server cuts
        # a request that takes longer than its request timeout to arrive (a slowloris client).
        self._receiving_since: float | None = None
        # When a graceful close began: it waits for the client to read what is still buffered, so the server
        # cuts one that never does.
        self.closing_since: float | None = None

    # --- asyncio.Protocol ------------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self._transport = cast(asyncio.Transport, transport)
        self._server.opened(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = True
        self._ready.clear()
        if not self._busy:  # otherwise the answering task reports it when it ends
            self._server.closed(self)

    def data_received(self, data: bytes) -> None:
        if self._ignore_input:
            return
        in_head = self._current is not None and not self._head_done
        begun = self._current
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            # No upgrades are served: the request was taken as complete without a body; answer it, then close.
            self._ignore_input = True
        except httptools.HttpParserError:
            self._refuse(431 if self._head_too_large else 400)
            return
        if in_head and self._current is begun and not self._head_done:
            # A whole chunk went into a head that is still incomplete (httptools buffers an unfinished field).
            self._head_chunk_bytes += len(data)
            if self._head_chunk_bytes > MAX_HEADER_BYTES:
                self._refuse(431)

    def eof_received(self) -> bool | None:
        """The client finished sending (a half-close): answers still owed to complete requests are written
        first, then the connection closes. A request cut short by the end of input is dropped."""
        self._ignore_input = True
        if self._busy or self._ready:
            self._input_ended = True  # the last owed answer closes the connection
            return True  # keep the transport open for writing
        return None  # nothing owed: asyncio closes the transport

    def pause_writing(self) -> None:
        self._paused_for_writes = True
        self._update_reading()

    def resume_writing(self) -> None:
        self._paused_for_writes = False
        self._update_reading()

    # --- httptools callbacks ---------------------------------------------------------------------------

    def on_message_begin(self) -> None:
        self._current = _Request()
        self._receiving_since = self._loop.time()
        self._head_done = False
        self._head_bytes = 0
        self._head_chunk_bytes = 0

    def on_url(self, url: bytes) -> None:
        request = cast(_Request, self._current)
        request.url += url
        self._count_head(len(url))

    def on_header(self, name: bytes, value: bytes) -> None:
        request = cast(_Request, self._current)
        self._count_head(len(name) + len(value) + 4)
        request.header_list.append((name.decode("latin-1").lower(), value.decode("latin-1")))

    def on_headers_complete(self) -> None:
        request = cast(_Request, self._current)
        parser = self._parser
        self._head_done = True
        request.method = parser.get_method().decode("ascii")
        request.keep_alive = parser.get_http_version() != "1.0" and parser.should_keep_alive()
        if parser.should_upgrade():
            request.keep_alive = False
        url = request.url
        if url == b"/":
            request.raw_path = request.path = "/"
        else:
            parsed = httptools.parse_url(url)
            raw_path = parsed.path.decode("ascii")
            request.raw_path = raw_path
            request.path = unquote(raw_path) if "%" in raw_path else raw_path
            request.query = parsed.query.decode("latin-1") if parsed.query else ""
        declared: str | None = None
        expect: str | None = None
        for name, value in request.header_list:
            if name == "content-length":
                declared = value
            elif name == "expect":
                expect = value
        if declared is not None and declared.isdigit() and int(declared) > self._server.max_body_bytes:
            request.too_large = True
        if expect is not None and expect.lower() == "100-continue":
            if request.too_large:
                request.keep_alive = False  # the client may never send the body it announced
            else:
                request.expect_continue = True
        if request.too_large:
            self._answer_early(request)
        elif request.expect_continue and self._nothing_ahead():
            self._write(_CONTINUE)
            request.expect_continue = False

    def on_body(self, body: bytes) -> None:
        request = cast(_Request, self._current)
        if request.too_large:
            return  # discarded: the 413 is (or will be) the answer
        request.size += len(body)
        if request.size > self._server.max_body_bytes:
            request.too_large = True
            request.chunks.clear()
            self._answer_early(request)
            return
        request.chunks.append(body)

    def on_message_complete(self) -> None:
        request = cast(_Request, self._current)
        self._current = None
        self._receiving_since = None
        if request.answered or self._closed or self._ignore_input:
            return  # answered early, or the connection is closing: later pipelined requests are dropped
        self._ready.append(request)
        if not self._busy:
            self._busy = True
            self._task = self._loop.create_task(self._answer_ready())
        elif len(self._ready) >= MAX_PIPELINED:
            self._paused_for_queue = True
            self._update_reading()

    # --- answering -------------------------------------------------------------------------------------

    async def _answer_ready(self) -> None:
        app = self._server.app
        try:
            while self._ready and not self._closed:
                request = self._ready.popleft()
                if self._paused_for_queue and len(self._ready) < MAX_PIPELINED // 2:
                    self._paused_for_queue = False
                    self._update_reading()
                if request.too_large:
                    answer = app.too_large_answer()
                else:
                    body = request.chunks[0] if len(request.chunks) == 1 else b"".join(request.chunks)
                    try:
                        answer = await app.handle_http(
                            request.method, request.raw_path, request.query, tuple(request.header_list), body,
                            request.path,
                        )
                    except Exception:
                        log.exception("unhandled error answering %s %s", request.method, request.raw_path)
                        self._refuse(500)
                        return
                if not self._send(request, answer):
                    return
        finally:
            self._busy = False
            self._task = None
            self.idle_since = self._loop.time()
            if self._receiving_since is not None:
                # The request behind the answered ones may have waited on us (a 100 Continue, paused
                # reading): its time to arrive counts from now.
                self._receiving_since = self.idle_since
            if self._closed:
                self._server.closed(self)

    def _send(self, request: _Request, answer: HttpAnswer) -> bool:
        """Writes one answer; False once the connection is done (closed, or closing after this answer)."""
        if self._closed:
            return False
        keep_alive = request.keep_alive and not self._stopping and not self._server.stopping
        if self._input_ended and not self._ready:
            keep_alive = False
        status, headers, body = answer
        parts = [_STATUS_LINES.get(status) or f"HTTP/1.1 {status} \r\n".encode(), self._server.date_line]
        has_length = False
        for name, value in headers:
            if name == b"content-length":
                has_length = True
            parts += (name, b": ", value, b"\r\n")
        if not keep_alive:
            parts.append(b"connection: close\r\n")
        head_only = request.method == "HEAD"
        large = False
        if has_length or head_only or status in (204, 304):
            parts.append(b"\r\n")
            if not head_only:
                large = len(body) > JOIN_LIMIT
                if not large:
                    parts.append(body)
        else:
            # No length given (the 413): chunked framing, as any HTTP/1.1 server does.
            parts.append(b"transfer-encoding: chunked\r\n\r\n")
            if body:
                parts += (b"%x\r\n" % len(body), body, b"\r\n")
            parts.append(b"0\r\n\r\n")
        self._write(b"".join(parts))
        if large:
            self._write(body)
        if not keep_alive:
            self._close()
            return False
        current = self._current
        if current is not None and current.expect_continue and not self._ready:
            # The next request waited for its turn to be told to send its body.
            self._write(_CONTINUE)
            current.expect_continue = False
        return True

    def _answer_early(self, request: _Request) -> None:
        """A body over the limit is answered as soon as it is known, unless earlier requests still wait for
        their answers (answers keep the order of requests); the rest of the body is read and dropped."""
        if self._nothing_ahead():
            request.answered = True
            self._send(request, self._server.app.too_large_answer())

    def _nothing_ahead(self) -> bool:
        return not self._busy and not self._ready

    def _refuse(self, status: int) -> None:
        """A request that cannot be parsed (or a failure of our own): a plain answer, then close."""
        self._ignore_input = True
        message = {400: _BAD_REQUEST, 431: _HEADERS_TOO_LARGE}.get(status, _INTERNAL_ERROR).encode()
        self._write(b"".join([
            _STATUS_LINES[status], self._server.date_line, b"content-type: text/plain; charset=utf-8\r\n",
            b"content-length: %d\r\nconnection: close\r\n\r\n" % len(message), message,
        ]))
        self._close()

    def _count_head(self, size: int) -> None:
        self._head_bytes += size
        if self._head_bytes > MAX_HEADER_BYTES:
            self._head_too_large = True
            raise _HeadTooLarge()

    # --- transport ---------------------------------------------------------------------------------------

    def _write(self, data: bytes) -> None:
        transport = self._transport
        if transport is not None and not self._closed and not transport.is_closing():
            transport.write(data)

    def _close(self) -> None:
        self._ignore_input = True
        if self.closing_since is None:
            self.closing_since = self._loop.time()
        if self._transport is not None and not self._transport.is_closing():
            self._transport.close()

    def _update_reading(self) -> None:
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        if self._paused_for_queue or self._paused_for_writes:
            transport.pause_reading()
        else:
            transport.resume_reading()

    # --- the server's view ---------------------------------------------------------------------------------

    def is_idle(self) -> bool:
        """No request being received, waiting or answered."""
        return self._current is None and not self._busy and not self._ready

    def receiving_since(self) -> float | None:
        """When the request still being received began (or when earlier requests of the connection were last
        answered), in loop time; None when no request is arriving or while earlier ones are still answered."""
        if self._ignore_input or self._busy or self._ready:
            return None
        return self._receiving_since

    def refuse_connection(self) -> None:
        """Too many connections are open: this new one is closed before anything is read."""
        self._close()

    def time_out(self) -> None:
        """The request being received took too long: the connection is cut without an answer. Answers still
        owed to earlier requests are dropped, as when the client disconnects; those requests still run."""
        self._ignore_input = True
        self._receiving_since = None
        if self._transport is not None:
            # abort, not close: a client that stalls its sending may not read either, and a graceful close
            # would keep the descriptor until its receive buffer drained.
            self._transport.abort()

    def shutdown(self) -> None:
        """Graceful stop: an idle connection closes now; one with a request in progress closes after answering it."""
        self._stopping = True
        if self.is_idle():
            self._close()

    def abort(self) -> None:
        """The end of a stop's grace period: the transport is cut and an answer in progress cancelled."""
        if self._transport is not None:
            self._transport.abort()
        if self._task is not None:
            self._task.cancel()

    @property
    def task(self) -> asyncio.Task[None] | None:
        return self._task


class _HeadTooLarge(Exception):
    """Raised inside a parser callback to stop parsing a head over MAX_HEADER_BYTES."""
