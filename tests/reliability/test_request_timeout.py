"""Stalled requests and connection floods against the HTTP server over real sockets (a stub application, short
limits): a request not received whole in time loses its connection while other clients keep being served; time
spent waiting on the server is not the client's; connections beyond the bound displace idle ones or are closed."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from shardline.cli.main import main
from shardline.clock import FakeClock
from shardline.protocol.http_server import HttpServer
from shardline.settings import Settings

Answer = tuple[int, list[tuple[bytes, bytes]], bytes]
TIMEOUT = 0.4
TICK = 0.02
BIG_ANSWER = 32 * 1024 * 1024


@dataclass
class EchoApp:
    """Answers `echo:<body>`; a body of b"wait" answers once `release` is set, b"big" answers BIG_ANSWER bytes."""

    release: asyncio.Event = field(default_factory=asyncio.Event)
    bodies: list[bytes] = field(default_factory=list)

    async def handle_http(
        self, method: str, raw_path: str, query_string: str, header_list: tuple[tuple[str, str], ...], raw: bytes,
        path: str | None = None,
    ) -> Answer:
        self.bodies.append(raw)
        if raw == b"wait":
            await self.release.wait()
        body = b"B" * BIG_ANSWER if raw == b"big" else b"echo:" + raw
        return 200, [(b"content-length", str(len(body)).encode())], body

    def too_large_answer(self) -> Answer:
        return 413, [], b""


@dataclass
class Serving:
    server: HttpServer
    app: EchoApp
    port: int

    async def connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection("127.0.0.1", self.port)


@contextlib.asynccontextmanager
async def serving(**options: Any) -> AsyncIterator[Serving]:
    app = EchoApp()
    server = HttpServer(app, max_body_bytes=1 << 20, clock=FakeClock(), tick_seconds=TICK, **options)
    ready: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(server.serve("127.0.0.1", 0, ready.set_result))
    port = await asyncio.wait_for(ready, 10)
    try:
        yield Serving(server, app, port)
    finally:
        app.release.set()
        server.stop()
        server.stop()
        await asyncio.wait_for(task, 10)


def run(test: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(test(), 30))


def post(body: bytes) -> bytes:
    return f"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body


async def answer(reader: asyncio.StreamReader) -> bytes:
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    lines = head.split(b"\r\n")
    length = next(int(line.split(b":")[1]) for line in lines if line.lower().startswith(b"content-length"))
    return head.split(b" ")[1] + b" " + await reader.readexactly(length)


async def cut_off(reader: asyncio.StreamReader, within: float) -> bool:
    """True when the server closes (or resets) the connection within `within` seconds, without answering."""
    try:
        return await asyncio.wait_for(reader.read(1), within) == b""
    except ConnectionResetError:
        return True


async def served_while(serving: Serving, seconds: float) -> int:
    """A normal client's requests on its own connection for `seconds`: each must be answered promptly."""
    reader, writer = await serving.connect()
    served = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        writer.write(post(b"ok%d" % served))
        assert await answer(reader) == b"200 echo:ok%d" % served
        served += 1
        await asyncio.sleep(0.02)
    writer.close()
    return served


def test_a_stalled_head_is_cut_off_while_another_client_is_served() -> None:
    async def test() -> None:
        async with serving(request_timeout_seconds=TIMEOUT) as serving_:
            reader, writer = await serving_.connect()
            writer.write(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Le")  # and nothing more
            started = time.monotonic()
            served = await served_while(serving_, TIMEOUT / 2)
            assert await cut_off(reader, TIMEOUT * 10)
            assert time.monotonic() - started >= TIMEOUT - TICK
            assert served > 0
            assert all(body.startswith(b"ok") for body in serving_.app.bodies)  # the stalled one never ran

    run(test)


def test_a_body_trickled_forever_is_cut_off_and_never_run() -> None:
    # Every byte arrives well within the timeout: the limit is on the whole request, not on silences.
    async def test() -> None:
        async with serving(request_timeout_seconds=TIMEOUT) as serving_:
            reader, writer = await serving_.connect()
            writer.write(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
            started = time.monotonic()
            closed = asyncio.create_task(cut_off(reader, TIMEOUT * 10))
            with contextlib.suppress(ConnectionError):
                while not closed.done():
                    writer.write(b"x")
                    await writer.drain()
                    await asyncio.sleep(TIMEOUT / 10)
            assert await closed
            assert TIMEOUT - TICK <= time.monotonic() - started < TIMEOUT * 5
            assert not any(body.startswith(b"x") for body in serving_.app.bodies)

    run(test)


def test_a_slow_request_that_arrives_in_time_is_answered() -> None:
    async def test() -> None:
        async with serving(request_timeout_seconds=TIMEOUT) as serving_:
            reader, writer = await serving_.connect()
            data = post(b"slow but whole")
            for index in range(0, len(data), 10):
                writer.write(data[index:index + 10])
                await asyncio.sleep(TIMEOUT / 20)
            assert await answer(reader) == b"200 echo:slow but whole"
            await asyncio.sleep(TIMEOUT * 1.5)  # idle now: the request timeout no longer applies
            writer.write(post(b"again"))
            assert await answer(reader) == b"200 echo:again"

    run(test)


def test_time_waiting_for_the_server_does_not_count_against_the_client() -> None:
    async def test() -> None:
        async with serving(request_timeout_seconds=TIMEOUT) as serving_:
            reader, writer = await serving_.connect()
            second = post(b"second")
            writer.write(post(b"wait") + second[:20])  # the second request is begun behind a slow answer
            await asyncio.sleep(TIMEOUT * 2)
            serving_.app.release.set()
            assert await answer(reader) == b"200 echo:wait"
            writer.write(second[20:])
            assert await answer(reader) == b"200 echo:second"

    run(test)


def test_the_timeout_is_counted_again_after_the_server_answered() -> None:
    async def test() -> None:
        async with serving(request_timeout_seconds=TIMEOUT) as serving_:
            reader, writer = await serving_.connect()
            writer.write(post(b"wait") + post(b"never finished")[:20])
            await asyncio.sleep(TIMEOUT)
            serving_.app.release.set()
            assert await answer(reader) == b"200 echo:wait"
            assert await cut_off(reader, TIMEOUT * 10)

    run(test)


def test_a_new_connection_beyond_the_bound_displaces_the_longest_idle_one() -> None:
    async def test() -> None:
        async with serving(max_connections=3) as serving_:
            connections = [await serving_.connect() for _ in range(3)]
            for index, (reader, writer) in enumerate(connections):
                writer.write(post(b"c%d" % index))
                assert await answer(reader) == b"200 echo:c%d" % index
            reader, writer = await serving_.connect()
            writer.write(post(b"newcomer"))
            assert await answer(reader) == b"200 echo:newcomer"
            assert await cut_off(connections[0][0], 5)  # idle the longest
            for old_reader, old_writer in connections[1:]:
                old_writer.write(post(b"still"))
                assert await answer(old_reader) == b"200 echo:still"

    run(test)


def test_a_new_connection_beyond_the_bound_is_closed_when_none_is_idle() -> None:
    async def test() -> None:
        async with serving(max_connections=2) as serving_:
            busy = [await serving_.connect() for _ in range(2)]
            for _, writer in busy:
                writer.write(post(b"late")[:-2])  # each has a request in progress
                await writer.drain()
            await asyncio.sleep(0.1)
            reader, _ = await serving_.connect()
            assert await cut_off(reader, 5)
            for busy_reader, writer in busy:
                writer.write(b"te")
                assert await answer(busy_reader) == b"200 echo:late"

    run(test)


def test_the_flag_reaches_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Settings] = []
    monkeypatch.setattr("shardline.server.run", lambda settings: seen.append(settings) or 0)
    runner = CliRunner()
    result = runner.invoke(main, ["serve", "--data-dir", str(tmp_path), "--request-timeout-seconds", "2.5"])
    assert result.exit_code == 0, result.output
    assert seen[0].request_timeout_seconds == 2.5
    result = runner.invoke(main, ["serve", "--data-dir", str(tmp_path)])
    assert seen[1].request_timeout_seconds == 60.0
    refused = runner.invoke(main, ["serve", "--request-timeout-seconds", "0"])
    assert refused.exit_code == 2
    assert "Invalid value for '--request-timeout-seconds'" in refused.output


def test_a_client_that_never_reads_its_answer_is_cut_off_after_the_keep_alive_and_the_timeout() -> None:
    async def test() -> None:
        async with serving(request_timeout_seconds=TIMEOUT, keep_alive_seconds=0.1) as serving_:
            reader, writer = await serving_.connect()
            writer.write(post(b"big"))
            await asyncio.sleep(0.1 + TIMEOUT + 3 * TICK + 0.5)  # the answer sits unread in the server's buffer
            received = 0
            with contextlib.suppress(ConnectionResetError):
                while piece := await asyncio.wait_for(reader.read(1 << 20), 5):
                    received += len(piece)
            assert received < BIG_ANSWER  # the server gave up on it rather than holding 32 MiB for it

    run(test)
