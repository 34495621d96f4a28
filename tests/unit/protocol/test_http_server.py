"""protocol/http_server.py over real sockets with a stub application: keep-alive, pipelining in order, chunked
bodies, Expect: 100-continue, the body and header limits, connection close, HEAD, malformed requests, failures
of the application, idle expiry and the graceful stop."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import pytest

from shardline.clock import FakeClock
from shardline.protocol.http_server import HttpServer

Answer = tuple[int, list[tuple[bytes, bytes]], bytes]
LIMIT = 1000


@dataclass
class Seen:
    method: str
    raw_path: str
    path: str | None
    query: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


@dataclass
class StubApp:
    """Echoes what it received; a body of b"slow" answers after a pause, b"boom" raises."""

    seen: list[Seen] = field(default_factory=list)
    release: asyncio.Event | None = None

    async def handle_http(
        self, method: str, raw_path: str, query_string: str, header_list: tuple[tuple[str, str], ...], raw: bytes,
        path: str | None = None,
    ) -> Answer:
        self.seen.append(Seen(method, raw_path, path, query_string, header_list, raw))
        if raw == b"slow":
            await asyncio.sleep(0.2)
        if raw == b"wait" and self.release is not None:
            await self.release.wait()
        if raw == b"boom":
            raise RuntimeError("a bug")
        body = b"echo:" + raw
        return 200, [(b"x-test", b"1"), (b"content-length", str(len(body)).encode())], body

    def too_large_answer(self) -> Answer:
        return 413, [(b"x-amzn-requestid", b"ID")], b""


@dataclass
class Running:
    server: HttpServer
    app: StubApp
    port: int
    task: asyncio.Task[None]

    async def connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection("127.0.0.1", self.port)


@contextlib.asynccontextmanager
async def serving(**options: float) -> AsyncIterator[Running]:
    app = StubApp()
    server = HttpServer(app, max_body_bytes=LIMIT, clock=FakeClock(), **options)
    ready: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(server.serve("127.0.0.1", 0, ready.set_result))
    port = await asyncio.wait_for(ready, 10)
    try:
        yield Running(server, app, port, task)
    finally:
        server.stop()
        server.stop()  # a second stop skips the wait for requests still in progress
        await asyncio.wait_for(task, 10)


def run(test: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(test(), 30))


async def read_answer(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    """One answer: status, headers (lower-case names; the last of repeated ones) and the de-framed body."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    lines = head.split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding") == "chunked":
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                break
            body += chunk[:-2]
    else:
        body = b""
    return status, headers, body


def post(body: bytes, path: str = "/", **headers: str) -> bytes:
    extra = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n{extra}\r\n".encode() + body


async def closed(reader: asyncio.StreamReader) -> bool:
    return await asyncio.wait_for(reader.read(1), 5) == b""


def test_keep_alive_answers_several_requests_on_one_connection() -> None:
    async def test() -> None:
        async with serving() as running:
            reader, writer = await running.connect()
            for body in (b"one", b"two"):
                writer.write(post(body, "/a%20b?x=1", **{"X-Amz-Target": "T"}))
                status, headers, answer = await read_answer(reader)
                assert (status, answer) == (200, b"echo:" + body)
                assert headers["x-test"] == "1"
                assert headers["date"].endswith("GMT")
                assert "connection" not in headers
            first = running.app.seen[0]
            assert (first.method, first.raw_path, first.path, first.query) == ("POST", "/a%20b", "/a b", "x=1")
            assert ("x-amz-target", "T") in first.headers  # names in lower case, in arrival order
            assert [name for name, _ in first.headers][:2] == ["host", "content-length"]
            writer.close()

    run(test)


def test_pipelined_requests_are_answered_in_order() -> None:
    async def test() -> None:
        async with serving() as running:
            reader, writer = await running.connect()
            writer.write(post(b"slow") + post(b"fast") + post(b"last"))
            answers = [(await read_answer(reader))[2] for _ in range(3)]
            assert answers == [b"echo:slow", b"echo:fast", b"echo:last"]
            writer.close()

    run(test)


def test_chunked_request_body_is_joined() -> None:
    async def test() -> None:
        async with serving() as running:
            reader, writer = await running.connect()
            writer.write(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
            writer.write(b"3\r\nabc\r\n")
            await writer.drain()
            writer.write(b"2\r\nde\r\n0\r\n\r\n")
            assert (await read_answer(reader))[2] == b"echo:abcde"
            writer.close()

    run(test)


def test_expect_100_continue_is_answered_before_the_body() -> None:
    async def test() -> None:
        async with serving() as running:
            reader, writer = await running.connect()
            writer.write(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
            interim = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
            assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
            writer.write(b"body")
            assert (await read_answer(reader))[:1] == (200,)
            writer.close()

    run(test)


def test_declared_body_over_the_limit_gets_a_chunked_413_and_the_connection_stays_usable() -> None:
    async def test() -> None:
        async with serving() as running:
            reader, writer = await running.connect()
            writer.write(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n")
            status, headers, body = await read_answer(reader)  # answered before the body arrives
            assert (status, body, headers["transfer-encoding"]) == (413, b"", "chunked")
            assert headers["x-amzn-requestid"] == "ID"
            writer.write(b"x" * 1001 + post(b"after"))
            assert (await read_answer(reader))[2] == b"echo:after"
            assert [seen.body for seen in running.app.seen] == [b"after"]
            writer.close()

    run(test)


def test_chunked_body_growing_over_the_limit_gets_413() -> None:
    async def test() -> None:
        async with serving() as running:
            reader, writer = await running.connect()
            writer.write(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
            writer.write(b"%x\r\n%s\r\n" % (LIMIT + 1, b"y" * (LIMIT + 1)) + b"0\r\n\r\n")
            assert (await read_answer(reader))[0] == 413
            assert running.app.seen == []
            writer.close()

    run(test)


def test_oversized_request_behind_a_pending_one_is_answered_in_turn() -> None:
    async def test() -> None:
        async with serving() as running:
            reader, writer = await running.connect()
            writer.write(post(b"slow") + post(b"z" * (LIMIT + 1)))
            assert (await read_answer(reader))[2] == b"echo:slow"
            assert (await read_answer(reader))[0] == 413
            writer.close()

    run(test)


def test_expect_with_an_oversized_body_gets_413_and_close() -> None:
    async def test() -> None:
        async with serving() as running:
            reader, writer = await running.connect()
            writer.write(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n")
            status, headers, _ = await read_answer(reader)
            assert (status, headers["connection"]) == (413, "close")
            assert await closed(reader)

    run(test)


def test_requests_behind_a_closing_answer_are_not_run() -> None:
    async def test() -> None:
        async with serving() as running:
            reader, writer = await running.connect()
            oversized = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n"
            writer.write(oversized + b"z" * 5000 + post(b"must not run"))
            assert (await read_answer(reader))[0] == 413
            assert await closed(reader)
            assert running.app.seen == []

    run(test)


def test_oversized_head_gets_431_and_close() -> None:
    async def test() -> None:
        async with serving() as running:
            reader, writer = await running.connect()
            writer.write(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n")
            status, headers, body = await read_answer(reader)
            assert (status, headers["connection"]) == (431, "close")
            assert body == b"Request header fields too large."
            assert await closed(reader)
            assert running.app.seen == []

    run(test)


def test_a_head_that_never_ends_is_refused() -> None:
    async def test() -> None:
        async with serving() as running:
            reader, writer = await running.connect()
            writer.write(b"GET / HTTP/1.1\r\nX-Long: ")
            for _ in range(66):  # just past 64 KiB, in pieces that arrive one by one; then nothing more
                writer.write(b"b" * 1024)
                await writer.drain()
                await asyncio.sleep(0.005)
            assert (await read_answer(reader))[0] == 431

    run(test)


def test_malformed_request_gets_400_and_close() -> None:
    async def test() -> None:
        async with serving() as running:
            reader, writer = await running.connect()
            writer.write(b"NOT HTTP AT ALL\r\n\r\n")
            status, headers, body = await read_answer(reader)
            assert (status, body, headers["connection"]) == (400, b"Invalid HTTP request received.", "close")
            assert await closed(reader)

    run(test)


@pytest.mark.parametrize(
    "request_bytes",
    [post(b"x", Connection="close"), b"POST / HTTP/1.0\r\nContent-Length: 1\r\n\r\nx"],
    ids=["connection-close", "http-1.0"],
)
def test_connection_closes_after_the_answer_when_asked(request_bytes: bytes) -> None:
    async def test() -> None:
        async with serving() as running:
            reader, writer = await running.connect()
            writer.write(request_bytes)
            status, headers, body = await read_answer(reader)
            assert (status, body, headers["connection"]) == (200, b"echo:x", "close")
            assert await closed(reader)

    run(test)


def test_a_half_closed_connection_gets_every_owed_answer_then_closes() -> None:
    async def test() -> None:
        async with serving() as running:
            reader, writer = await running.connect()
            writer.write(post(b"slow") + post(b"two"))
            writer.write_eof()
            assert (await read_answer(reader))[2] == b"echo:slow"
            status, headers, body = await read_answer(reader)
            assert (status, body, headers["connection"]) == (200, b"echo:two", "close")
            assert await closed(reader)

    run(test)


def test_head_answers_carry_the_length_but_no_body() -> None:
    async def test() -> None:
        async with serving() as running:
            reader, writer = await running.connect()
            writer.write(b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n" + post(b"next"))
            head = await reader.readuntil(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 200 OK\r\n")
            assert b"content-length: 5\r\n" in head  # len(b"echo:")
            assert (await read_answer(reader))[2] == b"echo:next"  # no stray body bytes in between
            writer.close()

    run(test)


def test_an_application_failure_is_a_500_and_close() -> None:
    async def test() -> None:
        async with serving() as running:
            reader, writer = await running.connect()
            writer.write(post(b"boom"))
            status, headers, body = await read_answer(reader)
            assert (status, body, headers["connection"]) == (500, b"Internal Server Error", "close")
            assert await closed(reader)

    run(test)


def test_idle_connections_expire() -> None:
    async def test() -> None:
        async with serving(keep_alive_seconds=0.05, tick_seconds=0.02) as running:
            reader, writer = await running.connect()
            writer.write(post(b"x"))
            assert (await read_answer(reader))[0] == 200
            assert await closed(reader)

    run(test)


def test_stop_closes_idle_connections_and_finishes_requests_in_flight() -> None:
    async def test() -> None:
        app_release = asyncio.Event()
        async with serving() as running:
            running.app.release = app_release
            idle_reader, _ = await running.connect()
            partial_reader, partial_writer = await running.connect()
            busy_reader, busy_writer = await running.connect()
            busy_writer.write(post(b"wait"))
            partial_writer.write(post(b"late")[:-2])  # the body is not complete yet
            await partial_writer.drain()
            while len(running.app.seen) < 1:
                await asyncio.sleep(0.01)
            running.server.stop()
            assert await closed(idle_reader)
            app_release.set()
            status, headers, _ = await read_answer(busy_reader)
            assert (status, headers["connection"]) == (200, "close")
            partial_writer.write(b"te")
            status, headers, body = await read_answer(partial_reader)
            assert (status, body, headers["connection"]) == (200, b"echo:late", "close")
            await asyncio.wait_for(running.task, 10)  # serve() returns once nothing is in flight
            with pytest.raises(OSError):
                await running.connect()

    run(test)


def test_binding_a_used_port_raises_oserror() -> None:
    async def test() -> None:
        async with serving() as running:
            other = HttpServer(StubApp(), max_body_bytes=LIMIT, clock=FakeClock())
            with pytest.raises(OSError):
                await other.start("127.0.0.1", running.port)

    run(test)
