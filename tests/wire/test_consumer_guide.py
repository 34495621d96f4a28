"""docs/consumer.md's runnable example as a new user runs it: billing.py and the `shardline consume` line, taken
from the guide's text, against `shardline serve --in-memory`, with no AWS configuration on the machine."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.wire.conftest import ServerProcess, make_client, start_server, stop_server

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "consumer.md"
DOCUMENTED_ENDPOINT = "http://127.0.0.1:8000"


def guide_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.DOTALL)


def example_program() -> str:
    (program,) = [block for block in guide_blocks("python") if block.startswith("# billing.py")]
    assert DOCUMENTED_ENDPOINT in program
    return program


def documented_command(*start: str) -> list[str]:
    """The first command of the guide's shell blocks that starts with these words, continuation lines joined."""
    for block in guide_blocks("sh"):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if words[: len(start)] == list(start):
                return words
    raise AssertionError(f"the guide shows no {' '.join(start)} command")


def unconfigured_environment(home: Path) -> dict[str, str]:
    """A machine with no AWS configuration: the example must work against a local server all the same."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    environment.update(HOME=str(home), AWS_CONFIG_FILE=str(home / "none"), AWS_SHARED_CREDENTIALS_FILE=str(
        home / "none"), AWS_EC2_METADATA_DISABLED="true", PYTHONUNBUFFERED="1")
    return environment


@pytest.fixture
def guide_server(tmp_path: Path) -> Iterator[ServerProcess]:
    running = start_server(tmp_path / "data", "--in-memory")
    yield running
    stop_server(running)


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def owners(dynamodb: Any) -> set[str | None]:
    try:
        items = dynamodb.scan(TableName="billing", ConsistentRead=True)["Items"]
    except dynamodb.exceptions.ResourceNotFoundException:
        return set()
    return {item.get("leaseOwner", {}).get("S") for item in items}


def test_the_guides_example_and_command_run_as_written(guide_server: ServerProcess, tmp_path: Path) -> None:
    endpoint = guide_server.endpoint
    dynamodb = make_client("dynamodb", endpoint)
    create = documented_command("aws", "dynamodb", "create-table")
    assert create[create.index("--table-name") + 1] == "Orders"
    dynamodb.create_table(  # the same table as the guide's `aws dynamodb create-table`
        TableName="Orders", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    workdir = tmp_path / "app"
    workdir.mkdir()
    (workdir / "billing.py").write_text(example_program().replace(DOCUMENTED_ENDPOINT, endpoint))
    environment = unconfigured_environment(tmp_path)

    consume = documented_command("shardline", "consume")
    consume = [sys.executable, "-m", "shardline", *[endpoint if word == DOCUMENTED_ENDPOINT else word
                                                    for word in consume[1:]]]
    library_out, cli_out = workdir / "library.out", workdir / "cli.out"
    processes: list[subprocess.Popen[bytes]] = []
    try:
        with library_out.open("wb") as output:
            processes.append(subprocess.Popen([sys.executable, "billing.py"], cwd=workdir, env=environment,
                                              stdout=output, stderr=subprocess.STDOUT))
        wait_for(lambda: owners(dynamodb) not in (set(), {None}), "billing.py to take its leases")
        for index in range(3):
            dynamodb.put_item(TableName="Orders", Item={"pk": {"S": f"o-{index}"}})
        wait_for(lambda: all(f"'o-{index}'" in library_out.read_text() for index in range(3)),
                 "billing.py to print the three changes")
        assert "INSERT {'pk': {'S': 'o-0'}}" in library_out.read_text()

        with cli_out.open("wb") as output:
            processes.append(subprocess.Popen(consume, cwd=workdir, env=environment, stdout=output,
                                              stderr=subprocess.STDOUT))
        # Two workers of one application share the shards: the command's worker takes some from billing.py.
        wait_for(lambda: len(owners(dynamodb) - {None}) == 2, "the two workers to share the shards", timeout=60)
        for index in range(3, 11):
            dynamodb.put_item(TableName="Orders", Item={"pk": {"S": f"o-{index}"}})
        def printed() -> str:
            return library_out.read_text() + cli_out.read_text()

        wait_for(lambda: all(f"'o-{index}'" in printed() for index in range(3, 11)), "every change printed")
        for process in processes:
            process.send_signal(signal.SIGTERM)
        assert [process.wait(timeout=30) for process in processes] == [0, 0]
        # Stopped gracefully: every lease was handed over.
        assert owners(dynamodb) == {None}
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
