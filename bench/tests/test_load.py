"""The HTTP client and the load generator against small in-process servers (counts, never timings)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest

from bench.harness.load import LoadResult, run_each, run_for
from bench.harness.sink import _Sink
from bench.harness.wire import Api, ApiError, Channel, Endpoint, encode_call, error_of

T = TypeVar("T")
ERROR_BODY = (b'{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",'
              b'"message":"Requested resource not found"}')


class _Recorder(_Sink):
    """The instant sink, counting requests and optionally closing each connection after answering."""

    requests = 0
    close_after_answer = False

    def on_message_complete(self) -> None:
        type(self).requests += 1
        super().on_message_complete()
        if self.close_after_answer and self._transport is not None:
            self._transport.close()


class _Failing(_Sink):
    def on_message_complete(self) -> None:
        if self._transport is not None:
            self._transport.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: %d\r\n\r\n%s"
                                  % (len(ERROR_BODY), ERROR_BODY))


def serve(factory: Callable[[], asyncio.Protocol], scenario: Callable[[Endpoint], Awaitable[T]]) -> T:
    async def main() -> T:
        server = await asyncio.get_running_loop().create_server(factory, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            return await scenario(Endpoint("127.0.0.1", port))
        finally:
            server.close()
            await server.wait_closed()

    return asyncio.run(main())


def fresh_recorder(close_after_answer: bool) -> type[_Recorder]:
    return type("Recorder", (_Recorder,), {"requests": 0, "close_after_answer": close_after_answer})


@pytest.mark.parametrize("close_after_answer", [False, True])
def test_run_each_sends_every_request_exactly_once(close_after_answer: bool) -> None:
    recorder = fresh_recorder(close_after_answer)

    async def scenario(endpoint: Endpoint) -> LoadResult:
        requests = [encode_call(endpoint, "PutItem", {"TableName": "t", "n": i}) for i in range(300)]
        return await run_each(endpoint, requests, connections=7)

    result = serve(recorder, scenario)
    assert (result.completed, result.failed) == (300, 0)
    assert recorder.requests == 300


def test_run_for_records_a_latency_per_counted_answer() -> None:
    recorder = fresh_recorder(False)

    async def scenario(endpoint: Endpoint) -> LoadResult:
        requests = [encode_call(endpoint, "GetItem", {"TableName": "t"})]
        return await run_for(endpoint, requests, connections=4, seconds=0.2, warmup=0.05, min_completions=50)

    result = serve(recorder, scenario)
    assert result.completed >= 50
    assert len(result.latencies_us) == result.completed
    assert result.failed == 0
    assert recorder.requests >= result.completed


def test_run_for_counts_error_answers_as_failures_with_the_aws_error() -> None:
    async def scenario(endpoint: Endpoint) -> LoadResult:
        requests = [encode_call(endpoint, "GetItem", {"TableName": "t"})]
        return await run_for(endpoint, requests, connections=2, seconds=0.1, warmup=0.0, min_completions=5)

    result = serve(_Failing, scenario)
    assert result.completed == 0
    assert result.failed >= 5
    assert result.first_failure == (
        "HTTP 400 ResourceNotFoundException: Requested resource not found")


def test_api_call_raises_the_aws_error_and_reconnects_after_a_close() -> None:
    async def failing(endpoint: Endpoint) -> ApiError | None:
        api = Api(endpoint)
        try:
            await api.call("DescribeTable", {"TableName": "missing"})
        except ApiError as error:
            return error
        finally:
            api.close()
        return None

    error = serve(_Failing, failing)
    assert isinstance(error, ApiError)
    assert (error.status, error.code, error.message) == (400, "ResourceNotFoundException",
                                                         "Requested resource not found")

    async def twice(endpoint: Endpoint) -> list[tuple[int, bytes]]:
        channel = Channel(endpoint)
        raw = encode_call(endpoint, "ListTables", {})
        answers = [await channel.send(raw), await channel.send(raw)]
        channel.close()
        return answers

    assert serve(fresh_recorder(True), twice) == [(200, b"{}"), (200, b"{}")]


@pytest.mark.parametrize(("body", "code", "message"), [
    (ERROR_BODY, "ResourceNotFoundException", "Requested resource not found"),
    (b'{"__type":"UnknownOperationException"}', "UnknownOperationException", ""),
    (b'{"__type":"x#ValidationException","Message":"bad"}', "ValidationException", "bad"),
    (b"<html>oops</html>", "NotJson", "<html>oops</html>"),
    (b"[1]", "NotAnObject", "[1]"),
])
def test_error_of_reads_aws_error_bodies(body: bytes, code: str, message: str) -> None:
    error = error_of(400, body)
    assert (error.code, error.message) == (code, message)
