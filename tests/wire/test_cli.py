"""`shardline` / `python -m shardline` as a process: help, version, the ready line, --port 0, clean
shutdown on SIGTERM and SIGINT with the data still there after a restart, --in-memory."""

from __future__ import annotations

import http.client
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

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
