"""The standalone runner (`shardline triggers run`) reading another server through the public Streams API
(RemoteStreamSource): lineage across shard rollover and `shardline shards split` with every record delivered
once, and a LATEST start that survives a stop before the first record."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.wire.conftest import ServerProcess, start_server, stop_server
from tests.wire.trigger_harness import client, create_stream_table, log_of, put, wait_for, write_project

HANDLER = "wire_handlers.handlers:record"
ROUNDS = 12
KEYS = [f"k{n}" for n in range(6)]


class Runner:
    """`shardline triggers run` in a subprocess, with its checkpoints in `state`."""

    def __init__(self, root: Path, triggers: Path, endpoint: str) -> None:
        self.command = [sys.executable, "-m", "shardline", "triggers", "run", str(triggers),
                        "--endpoint-url", endpoint, "--state", str(root / "state.db")]
        self.root = root
        self.triggers = triggers
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        environment = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
        self.process = subprocess.Popen(self.command, cwd=self.root, env=environment,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> int:
        assert self.process is not None
        self.process.terminate()
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    def checkpoints(self) -> str:
        if not (self.root / "state.db").exists():
            return ""
        shown = subprocess.run(
            [sys.executable, "-m", "shardline", "triggers", "status", "--state", str(self.root / "state.db"),
             "--file", str(self.triggers)], capture_output=True, text=True, timeout=30, check=True,
        )
        return shown.stdout


def delivered(root: Path, table: str) -> list[tuple[str, int]]:
    return [(r["dynamodb"]["Keys"]["pk"]["S"], int(r["dynamodb"]["NewImage"]["round"]["S"]))
            for entry in log_of(root, table) for r in entry["event"]["Records"]]


@pytest.fixture(scope="module")
def rolling_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server whose open shards roll over into children every 1.5 s, on two partitions."""
    server = start_server(tmp_path_factory.mktemp("remote-data"), "--in-memory", "--shard-rollover-seconds", "1.5",
                          "--stream-partitions", "2")
    try:
        yield server
    finally:
        stop_server(server)


def lineage_depth(streams: Any, stream_arn: str) -> int:
    shards = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]
    parents = {shard["ShardId"]: shard.get("ParentShardId") for shard in shards}

    def depth(shard_id: str | None) -> int:
        return 0 if shard_id is None or shard_id not in parents else 1 + depth(parents[shard_id])

    return max(depth(shard_id) for shard_id in parents)


def test_the_remote_runner_follows_lineage_across_rollover_and_splits(
    rolling_server: ServerProcess, tmp_path: Path,
) -> None:
    dynamodb = client(rolling_server)
    create_stream_table(dynamodb, "Rolling")
    triggers = write_project(tmp_path, [{"FunctionName": HANDLER, "TableName": "Rolling",
                                         "StartingPosition": "TRIM_HORIZON", "BatchSize": 5}])
    runner = Runner(tmp_path, triggers, rolling_server.endpoint)
    runner.start()
    try:
        for round_number in range(ROUNDS):
            for key in KEYS:
                put(dynamodb, "Rolling", key, round=str(round_number))
            if round_number == ROUNDS // 2:
                split = subprocess.run(
                    [sys.executable, "-m", "shardline", "shards", "split", "Rolling",
                     "--endpoint-url", rolling_server.endpoint], capture_output=True, text=True, timeout=30,
                )
                assert split.returncode == 0, split.stderr
            time.sleep(0.4)
        wait_for(lambda: len(delivered(tmp_path, "Rolling")) >= ROUNDS * len(KEYS), timeout=60,
                 what="every change through the remote runner")
        time.sleep(1.0)  # a little longer: nothing may come twice
    finally:
        assert runner.stop() == 0
    stream_arn = dynamodb.describe_table(TableName="Rolling")["Table"]["LatestStreamArn"]
    assert lineage_depth(client(rolling_server, "dynamodbstreams"), stream_arn) >= 3  # parents, children, more
    seen: dict[str, list[int]] = {}
    for key, round_number in delivered(tmp_path, "Rolling"):
        seen.setdefault(key, []).append(round_number)
    # each key's changes came in write order across the generations of shards, each exactly once
    assert seen == {key: list(range(ROUNDS)) for key in KEYS}


def test_a_latest_runner_stopped_before_its_first_record_resumes_from_its_start(tmp_path: Path) -> None:
    server = start_server(tmp_path / "data", "--in-memory", "--stream-partitions", "1")
    try:
        dynamodb = client(server)
        create_stream_table(dynamodb, "Latest")
        put(dynamodb, "Latest", "before", round="0")
        time.sleep(3)  # older than the start by more than the margin LATEST is kept with
        triggers = write_project(tmp_path, [{"FunctionName": HANDLER, "TableName": "Latest",
                                             "StartingPosition": "LATEST"}])
        runner = Runner(tmp_path, triggers, server.endpoint)
        runner.start()
        try:
            wait_for(lambda: "position LATEST@" in runner.checkpoints(), timeout=30, what="the start position")
        finally:
            assert runner.stop() == 0
        for n in range(1, 4):
            put(dynamodb, "Latest", f"while-down-{n}", round=str(n))
        runner.start()
        try:
            wait_for(lambda: len(delivered(tmp_path, "Latest")) >= 3, timeout=30, what="the records written while down")
            put(dynamodb, "Latest", "after-restart", round="4")
            wait_for(lambda: len(delivered(tmp_path, "Latest")) >= 4, timeout=30, what="the record after the restart")
            time.sleep(0.5)
        finally:
            assert runner.stop() == 0
        assert [key for key, _ in delivered(tmp_path, "Latest")] == [
            "while-down-1", "while-down-2", "while-down-3", "after-restart"]
        assert "position LATEST@" not in runner.checkpoints()  # a record's sequence number by now
    finally:
        stop_server(server)
