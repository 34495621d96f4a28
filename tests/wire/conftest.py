"""Wire tests: boto3 against a real `shardline serve` process started once per test session."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

READY_LINE = re.compile(r"shardline listening on (http://\S+)")


@dataclass
class ServerProcess:
    endpoint: str
    process: subprocess.Popen[str]
    data_dir: Path


def start_server(data_dir: Path, *extra_args: str) -> ServerProcess:
    """Starts `python -m shardline serve --port 0` and waits for its ready line."""
    command = [
        sys.executable, "-m", "shardline", "serve", "--port", "0", "--data-dir", str(data_dir), *extra_args,
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    seen: list[str] = []
    for line in process.stdout:
        seen.append(line)
        match = READY_LINE.search(line)
        if match:
            _drain(process)
            return ServerProcess(match.group(1), process, data_dir)
        if len(seen) > 200:
            break
    process.kill()
    raise RuntimeError("shardline serve did not start:\n" + "".join(seen))


def _drain(process: subprocess.Popen[str]) -> None:
    """Keeps reading the server's output after its ready line, so that a server that logs a lot can
    never block on a full pipe."""
    stream = process.stdout
    assert stream is not None

    def read_all() -> None:
        try:
            for _ in stream:
                pass
        except (OSError, ValueError):  # closed by stop_server
            pass

    threading.Thread(target=read_all, name="shardline-output", daemon=True).start()


def stop_server(server: ServerProcess) -> int:
    """SIGTERM, then the exit code (after a SIGKILL if the server does not stop within 20 s)."""
    server.process.terminate()
    try:
        code = server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.process.kill()
        code = server.process.wait()
    if server.process.stdout is not None:
        server.process.stdout.close()
    return code


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    external = os.environ.get("SHARDLINE_ENDPOINT")
    if external:
        yield ServerProcess(external, None, Path("."))  # type: ignore[arg-type]
        return
    running = start_server(tmp_path_factory.mktemp("data"))
    yield running
    stop_server(running)


@pytest.fixture(scope="session")
def endpoint(server: ServerProcess) -> str:
    return server.endpoint


def make_client(service: str, endpoint: str, **config: Any) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}, **config),
    )


@pytest.fixture(scope="session")
def dynamodb(endpoint: str) -> Any:
    return make_client("dynamodb", endpoint)


def unique_name(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def table_name() -> str:
    return unique_name()


@pytest.fixture
def hash_table(dynamodb: Any) -> Iterator[str]:
    """A table with a string partition key `pk`."""
    name = unique_name("hash")
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    yield name


@pytest.fixture
def range_table(dynamodb: Any) -> Iterator[str]:
    """A table with a string partition key `pk` and a numeric sort key `sk`."""
    name = unique_name("range")
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    yield name


def error_of(excinfo: pytest.ExceptionInfo[Any]) -> tuple[str, str]:
    """(code, message) of a botocore ClientError."""
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]
