"""Hostile HTTP over raw sockets: invalid UTF-8, random bytes, huge headers and bodies, compression bombs,
truncated and trickled requests, idle connections. The server answers each with a 4xx or closes the
connection, never a 500 or a hang, writes nothing for a request it did not receive whole, and keeps
serving everyone else."""

from __future__ import annotations

import gzip
import socket
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.reliability.fuzz_profile import FUZZ_SETTINGS, TRANSPORT_EXAMPLES
from tests.reliability.server_control import RunningServer, client, launch

AUTH = (
    b"Authorization: AWS4-HMAC-SHA256 Credential=fuzz/20240101/us-east-1/dynamodb/aws4_request, "
    b"SignedHeaders=host, Signature=00\r\nX-Amz-Date: 20240101T000000Z\r\n"
)
TABLE = "transport"
SOCKET_TIMEOUT_SECONDS = 20.0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    root: Path = tmp_path_factory.mktemp("transport")
    running = launch(root / "data")
    client(running.endpoint).create_table(
        TableName=TABLE, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
    )
    yield running
    assert running.stop() == 0, running.output()[-3000:]


def address(server: RunningServer) -> tuple[str, int]:
    host, port = server.endpoint.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


def request_bytes(body: bytes, target: str = "DynamoDB_20120810.PutItem", extra: bytes = b"",
                  length: int | None = None) -> bytes:
    size = len(body) if length is None else length
    return (
        b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-amz-json-1.0\r\n"
        + f"X-Amz-Target: {target}\r\nContent-Length: {size}\r\n".encode() + AUTH + extra + b"\r\n" + body
    )


def exchange(
    server: RunningServer, data: bytes, *, chunk_delay: float = 0.0, chunk: int = 0, half_close: bool = False
) -> bytes:
    """Sends data and reads until the server has answered one response or closed; b"" when it closed
    without answering."""
    with socket.create_connection(address(server), timeout=SOCKET_TIMEOUT_SECONDS) as connection:
        try:
            if chunk:
                for start in range(0, len(data), chunk):
                    connection.sendall(data[start:start + chunk])
                    time.sleep(chunk_delay)
            else:
                connection.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may refuse before it has read everything
        if half_close:
            connection.shutdown(socket.SHUT_WR)  # the client is gone before its request is complete
        return read_response(connection)


def read_response(connection: socket.socket) -> bytes:
    received = b""
    while True:
        try:
            piece = connection.recv(65536)
        except ConnectionResetError:
            return received
        if not piece:
            return received
        received += piece
        if received.startswith(b"HTTP/1.1 100 ") and b"\r\n\r\n" in received:
            received = received.split(b"\r\n\r\n", 1)[1]  # an interim 100 Continue; the answer follows
        head, separator, body = received.partition(b"\r\n\r\n")
        if separator:
            length = _content_length(head)
            if length is not None and len(body) >= length:
                return received
            if length is None and (b"chunked" in head.lower() and body.endswith(b"0\r\n\r\n")):
                return received


def _content_length(head: bytes) -> int | None:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return None


def status_of(response: bytes) -> int:
    return int(response.split(b" ", 2)[1]) if response.startswith(b"HTTP/1.1 ") else 0


def assert_refused_or_closed(server: RunningServer, response: bytes) -> None:
    status = status_of(response)
    assert response == b"" or 400 <= status < 500, response[:400]
    assert server.alive(), server.output()[-3000:]


def assert_still_serving(server: RunningServer) -> None:
    assert client(server.endpoint).describe_table(TableName=TABLE)["Table"]["TableName"] == TABLE


def item_exists(server: RunningServer, key: str) -> bool:
    found = client(server.endpoint).get_item(TableName=TABLE, Key={"pk": {"S": key}}, ConsistentRead=True)
    return "Item" in found


def put_body(key: str, padding: int = 0) -> bytes:
    return orjson.dumps({"TableName": TABLE, "Item": {"pk": {"S": key}, "pad": {"S": "p" * max(padding, 1)}}})


def test_invalid_utf8_is_a_serialization_error(server: RunningServer) -> None:
    body = b'{"TableName": "' + TABLE.encode() + b'", "Item": {"pk": {"S": "\xff\xfe"}}}'
    response = exchange(server, request_bytes(body))
    assert status_of(response) == 400
    assert b"SerializationException" in response


def test_a_truncated_request_writes_nothing(server: RunningServer) -> None:
    body = put_body("truncated", padding=5000)
    response = exchange(server, request_bytes(body)[:-1000], half_close=True)  # the client leaves mid-body
    assert_refused_or_closed(server, response)
    assert not item_exists(server, "truncated")


def test_a_complete_json_document_in_an_unfinished_request_writes_nothing(server: RunningServer) -> None:
    # The JSON is whole, but the request declared more bytes than arrived before the client left.
    # The pause lets the server read the body it has before it sees the client leave.
    body = put_body("unfinished")
    data = request_bytes(body, length=len(body) + 10)
    response = exchange(server, data, chunk=len(data), chunk_delay=0.3, half_close=True)
    assert_refused_or_closed(server, response)
    time.sleep(0.3)  # a request wrongly carried out would finish by now
    assert not item_exists(server, "unfinished")


def test_a_trickled_request_is_answered_and_does_not_block_others(server: RunningServer) -> None:
    body = put_body("trickled")
    answers: list[bytes] = []
    slow = threading.Thread(target=lambda: answers.append(
        exchange(server, request_bytes(body), chunk=16, chunk_delay=0.02)
    ))
    slow.start()
    started = time.monotonic()
    assert_still_serving(server)  # while the slow client is still sending
    assert time.monotonic() - started < 2.0
    slow.join(timeout=60)
    assert answers and status_of(answers[0]) == 200
    assert item_exists(server, "trickled")


def test_many_idle_connections_do_not_starve_the_server(server: RunningServer) -> None:
    idle = [socket.create_connection(address(server), timeout=5) for _ in range(200)]
    try:
        for connection in idle[:50]:
            connection.sendall(b"POST / HTTP/1.1\r\nHost: x\r\n")  # and never finish
        assert_still_serving(server)
    finally:
        for connection in idle:
            connection.close()
    assert server.alive()


def test_a_stalled_request_is_cut_off_after_the_flag_set_timeout(tmp_path: Path) -> None:
    timed = launch(tmp_path / "data", "--request-timeout-seconds", "1")
    try:
        client(timed.endpoint).create_table(
            TableName=TABLE, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
        )
        with socket.create_connection(address(timed), timeout=SOCKET_TIMEOUT_SECONDS) as slow:
            slow.sendall(request_bytes(put_body("stalled"))[:-5])  # the last bytes never come
            started = time.monotonic()
            served = 0
            while time.monotonic() - started < 0.8:  # meanwhile another client is served as usual
                client(timed.endpoint).list_tables()
                served += 1
            slow.settimeout(5)
            assert read_response(slow) == b""  # closed without an answer (the tick runs every second)
            assert served > 0
            assert time.monotonic() - started < 4
        found = client(timed.endpoint).get_item(TableName=TABLE, Key={"pk": {"S": "stalled"}}, ConsistentRead=True)
        assert "Item" not in found
    finally:
        assert timed.stop() == 0


@pytest.mark.parametrize("size", [64 * 1024, 1024 * 1024])
def test_huge_headers_are_refused_or_dropped(server: RunningServer, size: int) -> None:
    response = exchange(server, request_bytes(put_body("huge-header"), extra=b"X-Junk: " + b"j" * size + b"\r\n"))
    # Whatever the HTTP layer decides (answer or close), the server survives; a served request is still valid.
    assert status_of(response) in (0, 200, 400, 413, 431), response[:300]
    assert server.alive()
    assert_still_serving(server)


def test_a_body_over_the_limit_is_413(server: RunningServer) -> None:
    response = exchange(server, request_bytes(b"{}", length=16 * 1024 * 1024 + 1))
    assert status_of(response) == 413


def test_a_compression_bomb_is_413_not_memory(server: RunningServer) -> None:
    before = server.rss_kib()
    inflater = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    bomb = inflater.compress(b"\0" * (200 * 1024 * 1024)) + inflater.flush()
    response = exchange(server, request_bytes(bomb, extra=b"Content-Encoding: gzip\r\n"))
    assert status_of(response) == 413
    assert server.rss_kib() - before < 64 * 1024


def test_broken_gzip_is_a_client_error(server: RunningServer) -> None:
    broken = gzip.compress(put_body("gz"))[:-8]
    response = exchange(server, request_bytes(broken, extra=b"Content-Encoding: gzip\r\n"))
    assert_refused_or_closed(server, response)
    assert status_of(response) == 400
    assert not item_exists(server, "gz")


@settings(FUZZ_SETTINGS, max_examples=TRANSPORT_EXAMPLES)
@given(
    body=st.one_of(st.binary(max_size=2048), st.text(max_size=512).map(lambda text: text.encode("utf-8", "replace"))),
    target=st.sampled_from([
        "DynamoDB_20120810.PutItem", "DynamoDB_20120810.Query", "DynamoDBStreams_20120810.GetRecords",
        "DynamoDB_20120810.Nope", "",
    ]),
    header=st.sampled_from([b"", b"Content-Encoding: gzip\r\n", b"Content-Encoding: br\r\n",
                            b"Content-Type: text/plain\r\n", b"Expect: 100-continue\r\n"]),
)
def test_random_bytes_get_a_client_answer(server: RunningServer, body: bytes, target: str, header: bytes) -> None:
    response = exchange(server, request_bytes(body, target=target, extra=header))
    assert_refused_or_closed(server, response)


@settings(FUZZ_SETTINGS, max_examples=TRANSPORT_EXAMPLES)
@given(raw=st.binary(min_size=1, max_size=1024))
def test_garbage_instead_of_http_is_refused(server: RunningServer, raw: bytes) -> None:
    response = exchange(server, raw + b"\r\n\r\n")
    assert status_of(response) in (0, 400, 404, 405, 413, 414, 431, 501, 505) or response.startswith(b"HTTP/"), \
        response[:300]
    assert status_of(response) != 500
    assert server.alive()
