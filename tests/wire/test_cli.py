"""`shardline` / `python -m shardline` as a process: help, version, the ready line, --port 0, clean
shutdown on SIGTERM and SIGINT with the data still there after a restart, --in-memory."""

from __future__ import annotations

import http.client
import json
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.wire.conftest import ServerProcess, make_client, start_server, stop_server, unique_name

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shardline", *args], capture_output=True, text=True, timeout=60, check=False
    )


def health(endpoint: str) -> int:
    parts = urlsplit(endpoint)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        connection.request("GET", "/")
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def create_table(endpoint: str, name: str) -> None:
    client = make_client("dynamodb", endpoint)
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def table_names(endpoint: str) -> list[str]:
    names: list[str] = make_client("dynamodb", endpoint).list_tables()["TableNames"]
    return names


def stop_with(server: ServerProcess, sig: signal.Signals) -> int:
    server.process.send_signal(sig)
    try:
        code = server.process.wait(timeout=30)
    finally:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()
        if server.process.stdout is not None:
            server.process.stdout.close()
    return code


def test_help_lists_serve_and_its_options() -> None:
    top = run_cli("--help")
    assert top.returncode == 0
    assert "serve" in top.stdout
    serve = run_cli("serve", "--help")
    assert serve.returncode == 0
    for option in ["--host", "--port", "--data-dir", "--in-memory", "--region", "--relaxed-durability"]:
        assert option in serve.stdout
    assert "synchronous=NORMAL" in serve.stdout


def test_version() -> None:
    from shardline import __version__

    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"shardline {__version__}"


def test_port_zero_binds_a_free_port_and_prints_one_ready_line(tmp_path: Path) -> None:
    server = start_server(tmp_path / "data")
    try:
        port = urlsplit(server.endpoint).port
        assert port is not None and port > 0
        assert server.endpoint == f"http://127.0.0.1:{port}"
        assert health(server.endpoint) == 200
    finally:
        assert stop_server(server) == 0


def test_data_dir_is_created_with_the_database_inside(tmp_path: Path) -> None:
    data_dir = tmp_path / "nested" / "data"
    server = start_server(data_dir)
    try:
        assert (data_dir / "shardline.db").exists()
    finally:
        stop_server(server)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_exits_zero_and_data_survives_a_restart(tmp_path: Path, sig: signal.Signals) -> None:
    data_dir = tmp_path / "data"
    name = unique_name("persist")
    server = start_server(data_dir)
    try:
        create_table(server.endpoint, name)
    finally:
        code = stop_with(server, sig)
    assert code == 0

    restarted = start_server(data_dir)
    try:
        assert name in table_names(restarted.endpoint)
    finally:
        assert stop_server(restarted) == 0


def test_in_memory_keeps_nothing(tmp_path: Path) -> None:
    data_dir = tmp_path / "unused"
    name = unique_name("memory")
    server = start_server(data_dir, "--in-memory")
    try:
        create_table(server.endpoint, name)
        assert name in table_names(server.endpoint)
    finally:
        assert stop_server(server) == 0
    assert not (data_dir / "shardline.db").exists()

    again = start_server(data_dir, "--in-memory")
    try:
        assert name not in table_names(again.endpoint)
    finally:
        stop_server(again)


def test_relaxed_durability_and_region_flags(tmp_path: Path) -> None:
    server = start_server(tmp_path / "data", "--relaxed-durability", "--region", "eu-west-1")
    try:
        parts = urlsplit(server.endpoint)
        connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
        connection.request("GET", "/")
        body = connection.getresponse().read()
        connection.close()
        assert body == b"healthy: dynamodb.eu-west-1.amazonaws.com "
        name = unique_name("relaxed")
        client: Any = make_client("dynamodb", server.endpoint)
        create_table(server.endpoint, name)
        arn = client.describe_table(TableName=name)["Table"]["TableArn"]
        assert arn.startswith("arn:aws:dynamodb:eu-west-1:")
    finally:
        assert stop_server(server) == 0


def test_port_in_use_fails_with_non_zero_exit(tmp_path: Path) -> None:
    server = start_server(tmp_path / "data")
    try:
        port = str(urlsplit(server.endpoint).port)
        clash = subprocess.run(
            [
                sys.executable,
                "-m",
                "shardline",
                "serve",
                "--port",
                port,
                "--data-dir",
                str(tmp_path / "other"),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert clash.returncode != 0
        assert "shardline listening" not in clash.stdout
        assert health(server.endpoint) == 200
    finally:
        stop_server(server)


def test_sigterm_lets_an_in_flight_request_finish(tmp_path: Path) -> None:
    server = start_server(tmp_path / "data")
    try:
        body = json.dumps({"Limit": 5, "ExclusiveStartTableName": "a" * 200}).encode()
        request = AWSRequest(
            method="POST",
            url=server.endpoint + "/",
            data=body,
            headers={
                "Content-Type": "application/x-amz-json-1.0",
                "X-Amz-Target": "DynamoDB_20120810.ListTables",
            },
        )
        SigV4Auth(Credentials("testing", "testing"), "dynamodb", "us-east-1").add_auth(request)
        head = "POST / HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\n{}\r\n".format(
            urlsplit(server.endpoint).netloc,
            len(body),
            "".join(f"{name}: {value}\r\n" for name, value in request.headers.items()),
        ).encode()
        parts = urlsplit(server.endpoint)
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 0), timeout=30) as connection:
            connection.sendall(head + body[:10])
            assert _nothing_arrives(connection)  # the request is in flight, waiting for its body
            server.process.send_signal(signal.SIGTERM)
            assert _nothing_arrives(connection)  # shutting down, but the connection stays open
            connection.sendall(body[10:])
            reply = _read_response(connection)
        assert reply.startswith(b"HTTP/1.1 200")
        assert b'"TableNames"' in reply
        assert server.process.wait(timeout=30) == 0
    finally:
        stop_server(server)


def _nothing_arrives(connection: Any, seconds: float = 0.5) -> bool:
    connection.settimeout(seconds)
    try:
        connection.recv(1)  # data or end-of-stream: either way something arrived
        return False
    except TimeoutError:
        return True
    finally:
        connection.settimeout(30)


def _read_response(connection: Any) -> bytes:
    reply = b""
    while True:
        chunk = connection.recv(65536)
        if not chunk:
            return reply
        reply += chunk
        head, _, body = reply.partition(b"\r\n\r\n")
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:") and len(body) >= int(line.split(b":")[1]):
                return reply


def test_unusable_data_dir_fails_with_a_message_not_a_traceback(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = run_cli("serve", "--port", "0", "--data-dir", str(blocker / "data"))
    assert result.returncode == 1
    assert result.stderr.startswith("shardline: ")
    assert "Traceback" not in result.stderr
