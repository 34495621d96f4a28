"""The examples/ folder end to end: each example's triggers file runs in a real `shardline serve --triggers`
(or the standalone `shardline triggers run`), its demo.py writes to the tables, and the handler's effect is
checked."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.wire.conftest import ServerProcess, make_client, start_server, stop_server

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
README = Path(__file__).resolve().parents[2] / "README.md"
DOCUMENTED_ENDPOINT = "http://localhost:8000"
T = TypeVar("T")


def _readme_server_environment(example: str) -> dict[str, str]:
    """The `NAME=value` assignments the README puts before `shardline serve` for an example (none when its
    block has none), so each example runs exactly as documented."""
    text = README.read_text(encoding="utf-8")
    block = re.search(rf"cd examples/{example}\n(.*?)shardline serve", text, re.DOTALL)
    if block is None:
        return {}
    words = shlex.split(block.group(1).replace("\\\n", " "))
    return dict(word.split("=", 1) for word in words if re.fullmatch(r"[A-Z_]+=\S*", word))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _eventually(check: Callable[[], T | None], timeout: float = 30.0) -> T:
    deadline = time.monotonic() + timeout
    while True:
        outcome = check()
        if outcome is not None:
            return outcome
        if time.monotonic() > deadline:
            raise AssertionError("the handler's effect did not appear in time")
        time.sleep(0.1)


def _lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _run_demo(example: str, endpoint: str, cwd: Path) -> None:
    subprocess.run([sys.executable, str(EXAMPLES / example / "demo.py"), "--endpoint-url", endpoint],
                   cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.fixture
def example_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], ServerProcess]]:
    """Starts `shardline serve --triggers examples/<name>/triggers.yaml` in tmp_path (the handlers' working
    directory) as a new user would: no AWS configuration at all, only the variables the README sets for that
    example (its endpoint moved to the test's port)."""
    started: list[ServerProcess] = []
    monkeypatch.chdir(tmp_path)
    for name in [name for name in os.environ if name.startswith("AWS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))

    def start(example: str) -> ServerProcess:
        port = _free_port()
        for name, value in _readme_server_environment(example).items():
            monkeypatch.setenv(name, value.replace(DOCUMENTED_ENDPOINT, f"http://127.0.0.1:{port}"))
        server = start_server(tmp_path / "data", "--in-memory", "--port", str(port),
                              "--triggers", str(EXAMPLES / example / "triggers.yaml"))
        started.append(server)
        return server

    yield start
    for server in started:
        stop_server(server)


def test_order_notifications(example_server: Callable[[str], ServerProcess], tmp_path: Path) -> None:
    server = example_server("order_notifications")
    _run_demo("order_notifications", server.endpoint, tmp_path)
    outbox = tmp_path / "outbox.jsonl"
    messages = _eventually(lambda: _lines(outbox) if len(_lines(outbox)) >= 2 else None)
    time.sleep(0.5)  # the filtered-out records (placed orders, order-2) must never arrive
    messages = _lines(outbox)
    assert sorted((message["order_id"], message["to"]) for message in messages) == [
        ("order-1", "ana@example.com"), ("order-3", "cy@example.com")]
    assert all(message["subject"].endswith("has shipped") for message in messages)

    status = subprocess.run([sys.executable, "-m", "shardline", "triggers", "status", "--endpoint-url",
                             server.endpoint], capture_output=True, text=True, timeout=30, check=True)
    assert "notify-shipped" in status.stdout  # the function's name from the Functions section
    assert "state: Enabled" in status.stdout
    assert "filtered out 3" in status.stdout


def test_sales_windows(example_server: Callable[[str], ServerProcess], tmp_path: Path) -> None:
    server = example_server("sales_windows")
    _run_demo("sales_windows", server.endpoint, tmp_path)
    output = tmp_path / "window-totals.jsonl"

    def totals() -> dict[str, Decimal] | None:
        summed: dict[str, Decimal] = {}
        for line in _lines(output):
            assert line["window"]["end"] > line["window"]["start"]
            for store, amount in line["totals"].items():
                summed[store] = summed.get(store, Decimal(0)) + Decimal(amount)
        return summed if sum(summed.values()) == Decimal("25.00") else None

    assert _eventually(totals, timeout=40) == {"north": Decimal("21.00"), "south": Decimal("4.00")}


def test_table_replication_environment_is_documented() -> None:
    assert _readme_server_environment("table_replication") == {
        "AWS_ENDPOINT_URL_DYNAMODB": DOCUMENTED_ENDPOINT, "AWS_ACCESS_KEY_ID": "demo", "AWS_SECRET_ACCESS_KEY": "demo"}


def test_table_replication(example_server: Callable[[str], ServerProcess], tmp_path: Path) -> None:
    server = example_server("table_replication")
    _run_demo("table_replication", server.endpoint, tmp_path)
    dynamodb = make_client("dynamodb", server.endpoint)

    def replica() -> dict[str, dict[str, Any]] | None:
        items = dynamodb.scan(TableName="customers_replica")["Items"]
        by_id = {item["customer_id"]["S"]: item for item in items}
        settled = set(by_id) == {"c-1", "c-2", "c-3", "c-4"} and by_id["c-2"]["tier"]["S"] == "gold"
        return by_id if settled else None

    copied = _eventually(replica)
    source = {item["customer_id"]["S"]: item for item in dynamodb.scan(TableName="customers")["Items"]}
    assert copied == source
    assert copied["c-3"]["avatar"]["B"] == bytes([3]) * 4


def _check_audit(lines: list[dict[str, Any]]) -> None:
    assert [line["event"] for line in lines] == ["INSERT", "INSERT", "MODIFY", "REMOVE"]
    modify = lines[2]
    assert (modify["before"]["balance"], modify["after"]["balance"]) == ({"N": "100"}, {"N": "70"})
    assert lines[3]["after"] is None and lines[3]["keys"] == {"account_id": {"S": "a-2"}}
    assert not any(line["by_ttl"] for line in lines)


def test_audit_archive(example_server: Callable[[str], ServerProcess], tmp_path: Path) -> None:
    server = example_server("audit_archive")
    _run_demo("audit_archive", server.endpoint, tmp_path)
    archive = tmp_path / "audit.jsonl"
    _check_audit(_eventually(lambda: _lines(archive) if len(_lines(archive)) >= 4 else None))


def test_audit_archive_with_the_standalone_runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`shardline triggers run` against another server's Streams API, resuming from its checkpoints after a
    restart: no change is archived twice."""
    monkeypatch.chdir(tmp_path)
    server = start_server(tmp_path / "data", "--in-memory")
    runner_command = [sys.executable, "-m", "shardline", "triggers", "run", str(EXAMPLES / "audit_archive" /
                      "triggers.yaml"), "--endpoint-url", server.endpoint, "--state", str(tmp_path / "state.db")]
    environment = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    archive = tmp_path / "audit.jsonl"
    try:
        runner = subprocess.Popen(runner_command, cwd=tmp_path, env=environment)
        try:
            _run_demo("audit_archive", server.endpoint, tmp_path)
            _check_audit(_eventually(lambda: _lines(archive) if len(_lines(archive)) >= 4 else None))
        finally:
            runner.send_signal(signal.SIGTERM)
            assert runner.wait(timeout=30) == 0
        make_client("dynamodb", server.endpoint).put_item(
            TableName="accounts", Item={"account_id": {"S": "a-3"}, "balance": {"N": "1"}})
        runner = subprocess.Popen(runner_command, cwd=tmp_path, env=environment)
        try:
            lines = _eventually(lambda: _lines(archive) if len(_lines(archive)) >= 5 else None)
            time.sleep(1.5)  # one batching window more: nothing else may arrive
            lines = _lines(archive)
        finally:
            runner.send_signal(signal.SIGTERM)
            runner.wait(timeout=30)
        _check_audit(lines[:4])
        assert [line["event"] for line in lines[4:]] == ["INSERT"]
        status = subprocess.run(
            [sys.executable, "-m", "shardline", "triggers", "status", "--state", str(tmp_path / "state.db"),
             "--file", str(EXAMPLES / "audit_archive" / "triggers.yaml")],
            capture_output=True, text=True, timeout=30, check=True,
        )
        assert "audit_archive-handler" in status.stdout
        assert status.stdout.count("  shardId-") >= 1 and "position " in status.stdout
    finally:
        stop_server(server)


@pytest.mark.parametrize("example", sorted(path.name for path in EXAMPLES.iterdir() if path.is_dir()))
def test_every_example_file_checks(example: str) -> None:
    checked = subprocess.run([sys.executable, "-m", "shardline", "triggers", "check",
                              str(EXAMPLES / example / "triggers.yaml")], capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.count("\n") == 1
