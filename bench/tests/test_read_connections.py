"""A read run against a peer that needs seconds per request uses one connection, so that the requests still in
flight at the time cap do not keep the server core busy through the next peer's measurement."""

from __future__ import annotations

import asyncio
import dataclasses

from bench.harness.wire import Endpoint, encode_call
from bench.harness.workloads import QUICK, ReadConnections, read_connections

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: 2\r\n\r\n{}"


async def connections_against(delay: float, planned: int) -> ReadConnections:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length"))
        await reader.readexactly(length)
        await asyncio.sleep(delay)
        writer.write(ANSWER)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    endpoint = Endpoint("127.0.0.1", port)
    request = encode_call(endpoint, "Query", {"TableName": "bench-items"})
    async with server:
        return await read_connections(endpoint, request, dataclasses.replace(QUICK, connections=planned))


def test_a_fast_peer_keeps_the_plans_connections() -> None:
    chosen = asyncio.run(connections_against(0.0, 64))
    assert chosen == ReadConnections(64)


def test_a_peer_needing_seconds_per_request_gets_one_connection_and_a_note() -> None:
    chosen = asyncio.run(connections_against(0.6, 64))  # 64 in flight: about 38 s of leftover work
    assert chosen.count == 1
    assert chosen.note.startswith("1 connection, not 64: one request alone took 0.6 s, so 64 in flight at the time "
                                  "cap would have kept the server core busy for about ")
    leftover = int(chosen.note.rsplit("about ", 1)[1].split(" ")[0])
    assert 38 <= leftover <= 45
