"""The standalone runner's saved status: its SQLite table, the recorder that saves what the runtime reports, and
the view `triggers status --state` builds from it and the checkpoints."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from pathlib import Path

import orjson
import pytest

from shardline.clock import FakeClock
from shardline.errors import StorageError
from shardline.storage.backend import WriteView
from shardline.storage.sqlite.backend import SqliteBackend
from shardline.storage.sqlite.runner_status_views import (
    StoredRunnerStatus,
    runner_status_reader,
    runner_status_writer,
)
from shardline.triggers.checkpoints import Checkpoint, CheckpointStore
from shardline.triggers.runner_status import (
    RunnerStatusRecorder,
    SavedRunnerState,
    load_runner_state,
    runner_status_view,
)
from shardline.triggers.runtime import WAITING_FOR_LEASE, RuntimeOptions, TriggerRuntime
from shardline.triggers.status import MappingStatus, ShardStatus, TriggerCounters
from tests.unit.triggers.runtime_fakes import ARN, BASE, FakeFunction, FakeShard, FakeSource, config, raising_on
from tests.unit.triggers.runtime_fakes import stream_record as record


def put_statuses(store: SqliteBackend, *rows: StoredRunnerStatus) -> Awaitable[None]:
    def write(view: WriteView) -> None:
        runner_status_writer(view).put_runner_statuses(rows)

    return store.write(write)


def test_saved_statuses_round_trip_replace_and_survive_a_reopen(tmp_path: Path) -> None:
    async def scenario() -> None:
        store = SqliteBackend.open(tmp_path / "state.db")
        # a state file from before status saving has no table: no status, no error
        assert (await load_runner_state(store)).statuses == {}
        await put_statuses(store, StoredRunnerStatus("m-2", b'{"n": 1}', 10.0, "host:1:a"),
                           StoredRunnerStatus("m-1", b'{"n": 2}', 10.5, "host:1:a"))
        await put_statuses(store, StoredRunnerStatus("m-2", b'{"n": 3}', 11.0, "host:1:a", stopped=True))
        await store.close()

        reopened = SqliteBackend.open(tmp_path / "state.db")
        rows = await reopened.read(lambda view: runner_status_reader(view).list_runner_statuses())
        await reopened.close()
        assert rows == [StoredRunnerStatus("m-1", b'{"n": 2}', 10.5, "host:1:a", stopped=False),
                        StoredRunnerStatus("m-2", b'{"n": 3}', 11.0, "host:1:a", stopped=True)]

    asyncio.run(scenario())


def test_a_view_of_another_store_is_refused_with_a_storage_error() -> None:
    with pytest.raises(StorageError, match="keeps no trigger runner status"):
        runner_status_reader(object())
    with pytest.raises(StorageError, match="keeps no trigger runner status"):
        runner_status_writer(object())


def test_the_recorder_saves_state_result_counters_and_shards_and_marks_the_stop(tmp_path: Path) -> None:
    failures = tmp_path / "failures.jsonl"
    shard = FakeShard("shardId-1", records=[record(1, "a", v="ok"), record(2, "b", v="bad"),
                                            record(3, "c", v="after")])
    function = FakeFunction(raising_on("bad"))
    mapping = config(batch_size=1, maximum_retry_attempts=2, on_failure_destination=failures.as_uri())
    clock = FakeClock(1_800_000_000.0)

    async def scenario() -> None:
        store = SqliteBackend.open(tmp_path / "state.db")
        runtime = TriggerRuntime(
            FakeSource(shard), CheckpointStore(store, clock), clock,
            RuntimeOptions(region="eu-west-1", discovery_interval=0.02, retry_base_seconds=0.001,
                           retry_cap_seconds=0.01),
            invoker_factory=lambda _: function,
        )
        recorder = RunnerStatusRecorder(runtime, store, clock, region="eu-west-1", account_id="123456789012",
                                        process_id="laptop:42:abc", interval=0.02)
        await runtime.start()
        await runtime.add_mapping(mapping, persist=False)
        recording = asyncio.create_task(recorder.run())
        deadline = time.monotonic() + 10
        while ["after"] not in function.values("v"):
            assert time.monotonic() < deadline, function.events
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.1)  # the last checkpoint and a periodic save land
        running = await load_runner_state(store)
        assert running.statuses["m-1"].stopped is False
        assert running.statuses["m-1"].process_id == "laptop:42:abc"
        recording.cancel()
        with pytest.raises(asyncio.CancelledError):
            await recording
        clock.advance(30)
        await recorder.stop_and_save(runtime.stop)
        saved = await load_runner_state(store, ["m-1"])
        await store.close()

        shown = runner_status_view("m-1", saved, clock.now() + 600)
        assert shown["UUID"] == "m-1"
        assert shown["EventSourceArn"] == ARN
        assert shown["FunctionArn"] == "arn:aws:lambda:eu-west-1:123456789012:function:handlers-f"
        assert shown["State"] == "Enabled"
        assert shown["LastProcessingResult"] == "OK"
        extra = shown["ShardlineStatus"]
        # ok, bad three times (MaximumRetryAttempts 2), after: two records delivered, the bad one sent to the
        # failure destination
        assert extra["Counters"] == {"invocations": 5, "errors": 3, "retries": 2,
                                     "records_to_failure_destination": 1, "records_filtered": 0,
                                     "records_processed": 2}
        assert extra["Shards"] == [{"ShardId": "shardId-1", "Position": str(BASE + 3),
                                    "IteratorAgeMilliseconds": 0, "Finished": False}]
        assert extra["SavedAt"] == 1_800_000_030.0  # the final save, after the clock moved on
        assert extra["Runner"] == "stopped"  # long after, yet stopped cleanly rather than silent
        assert extra["RunnerProcess"] == "laptop:42:abc"

    asyncio.run(scenario())


def _status(uuid: str, reason: str, shards: tuple[ShardStatus, ...] = ()) -> MappingStatus:
    return MappingStatus(config(uuid=uuid), "Enabled", reason, "OK", 1.0, ARN, shards,
                         TriggerCounters(1, 0, 0, 0, 0, 1))


class ListedStatuses:
    def __init__(self, *statuses: MappingStatus) -> None:
        self.statuses = list(statuses)

    def list(self) -> list[MappingStatus]:
        return self.statuses


def test_a_mapping_waiting_for_another_runners_lease_is_not_overwritten() -> None:
    async def scenario() -> None:
        store = SqliteBackend.open(None)
        await put_statuses(store, StoredRunnerStatus("m-held", b'{"UUID": "m-held", "State": "theirs"}', 5.0,
                                                     "other:1:x"))
        source = ListedStatuses(_status("m-held", WAITING_FOR_LEASE), _status("m-mine", "User action"))
        recorder = RunnerStatusRecorder(source, store, FakeClock(9.0), region="us-east-1",
                                        account_id="000000000000", process_id="me:2:y")
        await recorder.save()
        saved = await load_runner_state(store)
        await store.close()
        assert orjson.loads(saved.statuses["m-held"].document)["State"] == "theirs"
        assert saved.statuses["m-held"].process_id == "other:1:x"
        assert saved.statuses["m-mine"].process_id == "me:2:y"
        assert saved.statuses["m-mine"].saved_at == 9.0

    asyncio.run(scenario())


def test_the_final_save_keeps_the_shards_seen_before_the_stop() -> None:
    shard = ShardStatus("shardId-9", str(BASE + 7), 1500)
    source = ListedStatuses(_status("m-1", "User action", (shard,)))

    async def stop() -> None:
        source.statuses = [_status("m-1", "User action")]  # a stopped runtime has no shard workers

    async def scenario() -> None:
        store = SqliteBackend.open(None)
        recorder = RunnerStatusRecorder(source, store, FakeClock(9.0), region="us-east-1",
                                        account_id="000000000000", process_id="me:2:y")
        await recorder.stop_and_save(stop)
        saved = await load_runner_state(store)
        await store.close()
        document = orjson.loads(saved.statuses["m-1"].document)
        assert document["ShardlineStatus"]["Shards"] == [
            {"ShardId": "shardId-9", "Position": str(BASE + 7), "IteratorAgeMilliseconds": 1500, "Finished": False}]
        assert saved.statuses["m-1"].stopped is True

    asyncio.run(scenario())


def _saved_state(
    tmp_path: Path, *rows: StoredRunnerStatus, checkpoints: tuple[Checkpoint, ...] = (),
) -> SavedRunnerState:
    async def scenario() -> SavedRunnerState:
        store = SqliteBackend.open(tmp_path / "state.db")
        if rows:
            await put_statuses(store, *rows)
        if checkpoints:
            await CheckpointStore(store, FakeClock()).save("m-1", *checkpoints)
        state = await load_runner_state(store, ["m-1"])
        await store.close()
        return state

    return asyncio.run(scenario())


@pytest.mark.parametrize(
    ("stopped", "seconds_later", "expected"),
    [(False, 0.5, "running"), (False, 5.0, "running"), (False, 5.5, "silent"), (True, 3600.0, "stopped")],
)
def test_the_runner_state_says_how_current_the_status_is(
    tmp_path: Path, stopped: bool, seconds_later: float, expected: str,
) -> None:
    document = orjson.dumps({"UUID": "m-1", "ShardlineStatus": {"Shards": [], "Counters": {}}})
    saved = _saved_state(tmp_path, StoredRunnerStatus("m-1", document, 100.0, "p", stopped))
    assert runner_status_view("m-1", saved, 100.0 + seconds_later)["ShardlineStatus"]["Runner"] == expected


def test_checkpoint_positions_win_and_shards_without_a_saved_age_show_none(tmp_path: Path) -> None:
    document = orjson.dumps({"UUID": "m-1", "ShardlineStatus": {"Shards": [
        {"ShardId": "shardId-2", "Position": None, "IteratorAgeMilliseconds": 250, "Finished": False},
        {"ShardId": "shardId-3", "Position": None, "IteratorAgeMilliseconds": 0, "Finished": False},
    ], "Counters": {"invocations": 4}}})
    saved = _saved_state(
        tmp_path, StoredRunnerStatus("m-1", document, 100.0, "p"),
        checkpoints=(Checkpoint(ARN, "shardId-1", str(BASE + 4), finished=True),
                     Checkpoint(ARN, "shardId-2", "LATEST@1799999998")),
    )
    extra = runner_status_view("m-1", saved, 100.0)["ShardlineStatus"]
    assert extra["Shards"] == [
        {"ShardId": "shardId-1", "Position": str(BASE + 4), "IteratorAgeMilliseconds": None, "Finished": True},
        {"ShardId": "shardId-2", "Position": "LATEST@1799999998", "IteratorAgeMilliseconds": 250, "Finished": False},
        {"ShardId": "shardId-3", "Position": None, "IteratorAgeMilliseconds": 0, "Finished": False},
    ]
    assert extra["Counters"] == {"invocations": 4}


def test_a_mapping_never_saved_is_shown_from_its_config_and_checkpoints(tmp_path: Path) -> None:
    saved = _saved_state(tmp_path, checkpoints=(Checkpoint(ARN, "shardId-1", "TRIM_HORIZON"),))
    shown = runner_status_view("m-1", saved, 100.0, config=config(enabled=False), region="ap-south-1")
    assert shown["State"] == "Disabled"
    assert shown["LastProcessingResult"] == "Unknown"
    assert shown["FunctionArn"].startswith("arn:aws:lambda:ap-south-1:")
    assert shown["ShardlineStatus"]["Runner"] == "unknown"
    assert shown["ShardlineStatus"]["SavedAt"] is None
    assert [shard["Position"] for shard in shown["ShardlineStatus"]["Shards"]] == ["TRIM_HORIZON"]
    with pytest.raises(KeyError):
        runner_status_view("m-1", saved, 100.0)
