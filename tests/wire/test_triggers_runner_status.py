"""`shardline triggers status --state` for a standalone runner (`shardline triggers run`, another process): the
runner saves its mappings' State, LastProcessingResult, shards and counters into its state file, and the
status stays readable, marked as stopped, after the runner has shut down."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.wire.conftest import make_client, start_server, stop_server
from tests.wire.trigger_harness import client, create_stream_table, lines_of, put, wait_for, write_project

ONLY_ACTIONS_BUT_SKIP = '{"dynamodb": {"NewImage": {"action": {"S": [{"anything-but": ["skip"]}]}}}}'


def status_of(root: Path, triggers: Path, *extra: str) -> str:
    shown = subprocess.run(
        [sys.executable, "-m", "shardline", "triggers", "status", "--state", str(root / "state.db"),
         "--file", str(triggers), *extra], capture_output=True, text=True, timeout=60,
    )
    assert shown.returncode == 0, shown.stderr
    return shown.stdout


def json_status(root: Path, triggers: Path) -> dict[str, Any]:
    if not (root / "state.db").exists():
        return {}
    (mapping,) = json.loads(status_of(root, triggers, "--json"))
    result: dict[str, Any] = mapping
    return result


def counters_reached(root: Path, triggers: Path, expected: dict[str, int]) -> bool:
    counters = json_status(root, triggers).get("ShardlineStatus", {}).get("Counters") or {}
    return all(counters.get(name) == value for name, value in expected.items())


def test_a_runners_status_is_saved_shown_like_a_servers_and_kept_after_it_stops(tmp_path: Path) -> None:
    server = start_server(tmp_path / "data", "--in-memory", "--stream-partitions", "1")
    runner: subprocess.Popen[bytes] | None = None
    try:
        dynamodb = client(server)
        create_stream_table(dynamodb, "Runs")
        failures = tmp_path / "failed.jsonl"
        triggers = write_project(tmp_path, [{
            "FunctionName": "wire_handlers.handlers:raises", "TableName": "Runs", "StartingPosition": "TRIM_HORIZON",
            "BatchSize": 1, "MaximumRetryAttempts": 1, "DestinationConfig": {"OnFailure": {
                "Destination": failures.as_uri()}},
            "FilterCriteria": {"Filters": [{"Pattern": ONLY_ACTIONS_BUT_SKIP}]},
        }])
        environment = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
        runner = subprocess.Popen(
            [sys.executable, "-m", "shardline", "triggers", "run", str(triggers), "--endpoint-url", server.endpoint,
             "--state", str(tmp_path / "state.db")],
            cwd=tmp_path, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        for key, action in [("a", "ok"), ("b", "raise"), ("c", "ok"), ("d", "skip")]:
            put(dynamodb, "Runs", key, action=action)
        # a: one call; b: a call and one retry, both failing, then the failure destination; c: one call;
        # d: filtered out, no call
        expected = {"invocations": 4, "errors": 2, "retries": 1, "records_to_failure_destination": 1,
                    "records_filtered": 1}
        wait_for(lambda: counters_reached(tmp_path, triggers, expected), timeout=60, what="the saved counters")
        time.sleep(1.5)  # another save or two: the counts stay as they are

        running = json_status(tmp_path, triggers)
        stream_arn = dynamodb.describe_table(TableName="Runs")["Table"]["LatestStreamArn"]
        assert running["EventSourceArn"] == stream_arn
        assert running["State"] == "Enabled"
        assert running["LastProcessingResult"] == "OK"
        extra = running["ShardlineStatus"]
        assert extra["Runner"] == "running"
        assert time.time() - extra["SavedAt"] < 10
        assert {name: extra["Counters"][name] for name in expected} == expected
        (shard,) = extra["Shards"]
        last_sequence = dynamodb_streams_last_sequence(server.endpoint, stream_arn)
        assert shard["Position"] == last_sequence
        assert shard["IteratorAgeMilliseconds"] == 0  # caught up
        assert len(lines_of(failures)) == 1

        text = status_of(tmp_path, triggers)
        assert "state: Enabled" in text and "last result: OK" in text
        assert "runner: running; status saved at " in text
        assert "invocations 4  errors 2  retries 1  to failure destination 1  filtered out 1" in text
        assert f"position {last_sequence}  iterator age 0 ms" in text

        runner.terminate()
        assert runner.wait(timeout=30) == 0
        stopped_at = time.time()
        runner = None
        stopped = json_status(tmp_path, triggers)
        assert stopped["ShardlineStatus"]["Runner"] == "stopped"
        assert stopped["ShardlineStatus"]["SavedAt"] <= stopped_at
        assert stopped["ShardlineStatus"]["SavedAt"] >= extra["SavedAt"]
        assert {name: stopped["ShardlineStatus"]["Counters"][name] for name in expected} == expected
        assert stopped["ShardlineStatus"]["Shards"][0]["Position"] == last_sequence
        assert "runner: stopped (it shut down); status saved at " in status_of(tmp_path, triggers)
    finally:
        if runner is not None:
            runner.kill()
            runner.wait()
        stop_server(server)


def dynamodb_streams_last_sequence(endpoint: str, stream_arn: str) -> str:
    """The sequence number of the stream's last record, read through the Streams API."""
    streams = make_client("dynamodbstreams", endpoint)
    (shard,) = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]
    iterator = streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard["ShardId"],
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = streams.get_records(ShardIterator=iterator)["Records"]
    sequence: str = records[-1]["dynamodb"]["SequenceNumber"]
    return sequence
