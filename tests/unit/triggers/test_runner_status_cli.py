"""`shardline triggers status --state`: a runner's saved status printed as the server form is, as text and JSON."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import orjson
from click.testing import CliRunner

from shardline.cli.triggers import triggers
from shardline.clock import FakeClock
from shardline.storage.backend import WriteView
from shardline.storage.sqlite.backend import SqliteBackend
from shardline.storage.sqlite.runner_status_views import StoredRunnerStatus, runner_status_writer
from shardline.triggers.checkpoints import Checkpoint, CheckpointStore
from shardline.triggers.mappings import load_triggers_file

ARN = "arn:aws:dynamodb:us-east-1:000000000000:table/Orders/stream/2026-01-01T00:00:00.000"
TRIGGERS = """
EventSourceMappings:
  - FunctionName: handlers.orders:ship
    EventSourceArn: {arn}
    StartingPosition: TRIM_HORIZON
  - FunctionName: handlers.orders:audit
    EventSourceArn: {arn}
    StartingPosition: LATEST
"""


def saved_document(uuid: str) -> bytes:
    return orjson.dumps({
        "UUID": uuid, "EventSourceArn": ARN, "State": "Enabled", "StateTransitionReason": "User action",
        "LastProcessingResult": "PROBLEM: Function call failed",
        "FunctionArn": "arn:aws:lambda:us-east-1:000000000000:function:handlers-orders-ship",
        "ShardlineStatus": {
            "Shards": [{"ShardId": "shardId-00001", "Position": None, "IteratorAgeMilliseconds": 4200,
                        "Finished": False}],
            "Counters": {"invocations": 7, "errors": 2, "retries": 2, "records_to_failure_destination": 3,
                         "records_filtered": 1, "records_processed": 11},
        },
    })


def prepare(tmp_path: Path, *, saved_at: float, stopped: bool) -> tuple[Path, Path, list[str]]:
    """A state file in which the first mapping of the file has a saved status and a checkpoint, and the second
    has neither."""
    file = tmp_path / "triggers.yaml"
    file.write_text(TRIGGERS.format(arn=ARN))
    uuids = [config.uuid for config in load_triggers_file(file)]
    state = tmp_path / "state.db"

    async def scenario() -> None:
        store = SqliteBackend.open(state)
        row = StoredRunnerStatus(uuids[0], saved_document(uuids[0]), saved_at, "laptop:7:abc", stopped)

        def write(view: WriteView) -> None:
            runner_status_writer(view).put_runner_statuses([row])

        await store.write(write)
        await CheckpointStore(store, FakeClock()).save(uuids[0], Checkpoint(ARN, "shardId-00001", "4200000000017"))
        await store.close()

    asyncio.run(scenario())
    return file, state, uuids


def test_text_shows_state_result_counters_shards_and_a_stopped_runner(tmp_path: Path) -> None:
    file, state, uuids = prepare(tmp_path, saved_at=1_800_000_000.25, stopped=True)
    result = CliRunner().invoke(triggers, ["status", "--state", str(state), "--file", str(file)])
    assert result.exit_code == 0, result.output
    first, second = result.output.split(uuids[1])
    assert f"{uuids[0]}  handlers-orders-ship  <-  {ARN}" in first
    assert "state: Enabled (User action)  last result: PROBLEM: Function call failed" in first
    assert "runner: stopped (it shut down); status saved at 2027-01-15T08:00:00.250Z" in first
    assert "invocations 7  errors 2  retries 2  to failure destination 3  filtered out 1" in first
    assert "shardId-00001  position 4200000000017  iterator age 4200 ms" in first
    # the second mapping never ran with this state file
    assert "runner: unknown (no status saved yet)" in second
    assert "last result: Unknown" in second


def test_a_runner_that_stopped_saving_without_shutting_down_is_called_silent(tmp_path: Path) -> None:
    file, state, _ = prepare(tmp_path, saved_at=time.time() - 120, stopped=False)
    result = CliRunner().invoke(triggers, ["status", "--state", str(state), "--file", str(file)])
    assert result.exit_code == 0, result.output
    assert "runner: silent (not saved since: killed or hung?)" in result.output
    seconds_ago = float(result.output.split("s ago")[0].rsplit(", ", 1)[1])
    assert 119 <= seconds_ago < 180


def test_json_is_the_server_form_with_when_it_was_saved(tmp_path: Path) -> None:
    file, state, uuids = prepare(tmp_path, saved_at=time.time(), stopped=False)
    result = CliRunner().invoke(triggers, ["status", "--state", str(state), "--file", str(file), "--json"])
    assert result.exit_code == 0, result.output
    first, second = json.loads(result.output)
    assert first["UUID"] == uuids[0]
    assert first["State"] == "Enabled"
    assert first["LastProcessingResult"] == "PROBLEM: Function call failed"
    extra = first["ShardlineStatus"]
    assert extra["Runner"] == "running"
    assert extra["RunnerProcess"] == "laptop:7:abc"
    assert abs(extra["SavedAt"] - time.time()) < 60
    assert extra["Counters"]["records_to_failure_destination"] == 3
    assert extra["Shards"] == [{"ShardId": "shardId-00001", "Position": "4200000000017",
                                "IteratorAgeMilliseconds": 4200, "Finished": False}]
    assert second["UUID"] == uuids[1]
    assert second["StartingPosition"] == "LATEST"
    assert second["ShardlineStatus"]["Runner"] == "unknown"
    assert second["ShardlineStatus"]["SavedAt"] is None


def test_without_a_file_every_saved_status_is_shown(tmp_path: Path) -> None:
    _, state, uuids = prepare(tmp_path, saved_at=time.time(), stopped=True)
    result = CliRunner().invoke(triggers, ["status", "--state", str(state), "--json"])
    assert result.exit_code == 0, result.output
    assert [mapping["UUID"] for mapping in json.loads(result.output)] == [uuids[0]]


def test_a_state_file_without_any_status_says_so(tmp_path: Path) -> None:
    state = tmp_path / "empty.db"
    asyncio.run(SqliteBackend.open(state).close())
    result = CliRunner().invoke(triggers, ["status", "--state", str(state)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"no runner status saved in {state}"
