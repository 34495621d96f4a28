"""CheckpointStore over the storage port's triggers section (SQLite adapter, migration 4)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from shardline.clock import FakeClock
from shardline.storage.sqlite.backend import SqliteBackend
from shardline.triggers.checkpoints import Checkpoint, CheckpointStore


def test_checkpoints_round_trip_and_survive_a_reopen(tmp_path: Path) -> None:
    async def scenario() -> None:
        store = SqliteBackend.open(tmp_path / "state.db")
        checkpoints = CheckpointStore(store, FakeClock())
        await checkpoints.save("m-1", Checkpoint("arn:a", "shard-1", "100000000000000000005"),
                               Checkpoint("arn:a", "shard-0", "LATEST", finished=True),
                               Checkpoint("arn:b", "shard-9", "TRIM_HORIZON"))
        await checkpoints.save("m-1", Checkpoint("arn:a", "shard-1", "100000000000000000007",
                                                 window={"0": {"start": 1.0, "end": 2.0, "state": {"n": 3}}}))
        await checkpoints.save("m-2", Checkpoint("arn:a", "shard-1", "100000000000000000001"))
        await checkpoints.put_mapping("m-1", {"uuid": "m-1", "batch_size": 5})
        await store.close()

        reopened = SqliteBackend.open(tmp_path / "state.db")
        checkpoints = CheckpointStore(reopened, FakeClock())
        loaded = await checkpoints.load("m-1", "arn:a")
        assert loaded == {
            "shard-0": Checkpoint("arn:a", "shard-0", "LATEST", finished=True),
            "shard-1": Checkpoint("arn:a", "shard-1", "100000000000000000007",
                                  window={"0": {"start": 1.0, "end": 2.0, "state": {"n": 3}}}),
        }
        assert await checkpoints.mappings() == [{"uuid": "m-1", "batch_size": 5}]
        await checkpoints.forget("m-2")
        assert await checkpoints.load("m-2", "arn:a") == {}
        await checkpoints.delete_mapping("m-1")
        assert await checkpoints.mappings() == []
        assert await checkpoints.load("m-1", "arn:a") == {}
        await reopened.close()

    asyncio.run(scenario())
