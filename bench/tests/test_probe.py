"""Capability probes: a workload whose operations the server does not serve yet is skipped with the reason."""

from __future__ import annotations

import asyncio

from bench.harness.sink import _Sink
from bench.harness.wire import Api, Endpoint
from bench.harness.workloads import Capabilities, probe

UNKNOWN = b'{"__type":"com.amazon.coral.service#UnknownOperationException"}'
NOT_FOUND = (b'{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",'
             b'"message":"Requested resource not found"}')


class _WithoutStreams(_Sink):
    """Serves DynamoDB operations (answering ResourceNotFound) but no DynamoDB Streams operation."""

    target = b""

    def on_header(self, name: bytes, value: bytes) -> None:
        if name.lower() == b"x-amz-target":
            self.target = value

    def on_message_complete(self) -> None:
        body = UNKNOWN if self.target.startswith(b"DynamoDBStreams_20120810.") else NOT_FOUND
        if self._transport is not None:
            self._transport.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))


def probe_server(streams_documented: bool) -> Capabilities:
    async def main() -> Capabilities:
        server = await asyncio.get_running_loop().create_server(_WithoutStreams, "127.0.0.1", 0)
        api = Api(Endpoint("127.0.0.1", server.sockets[0].getsockname()[1]))
        try:
            return await probe(api, streams_documented)
        finally:
            api.close()
            server.close()
            await server.wait_closed()

    return asyncio.run(main())


def test_a_server_without_list_streams_has_its_stream_workloads_marked_not_available_yet() -> None:
    assert probe_server(True) == Capabilities(
        query=True, batch_write=True, streams=False,
        streams_reason="not available yet: the server does not serve ListStreams")


def test_a_peer_without_streams_by_design_is_marked_not_applicable() -> None:
    assert probe_server(False).streams_reason == "n/a: this peer has no DynamoDB Streams"
