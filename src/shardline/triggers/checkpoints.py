"""Durable checkpoints: per mapping and shard, the position after which processing resumes (moved only once a
batch is done), whether the shard is finished, and its tumbling-window state; plus the mappings made through
the API. Kept in the storage port's triggers section, so a standalone runner can use any SqliteBackend."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from shardline.clock import Clock
from shardline.storage.backend import ReadView, StorageBackend, StoredCheckpoint, StoredMapping, WriteView


@dataclass(frozen=True)
class Checkpoint:
    stream_arn: str
    shard_id: str
    position: str  # TRIM_HORIZON, LATEST, or the sequence number of the last record done
    finished: bool = False
    window: Mapping[str, Any] | None = None


class CheckpointStore:
    def __init__(self, storage: StorageBackend, clock: Clock) -> None:
        self._storage = storage
        self._clock = clock

    async def load(self, mapping_uuid: str, stream_arn: str) -> dict[str, Checkpoint]:
        """The mapping's checkpoints in one stream, by shard id."""

        def read(view: ReadView) -> list[StoredCheckpoint]:
            return view.list_trigger_checkpoints(mapping_uuid)

        stored = await self._storage.read(read)
        return {row.shard_id: _checkpoint(row) for row in stored if row.stream_arn == stream_arn}

    async def save(self, mapping_uuid: str, *checkpoints: Checkpoint) -> None:
        now = self._clock.now()
        rows = [
            StoredCheckpoint(
                mapping_uuid=mapping_uuid, stream_arn=point.stream_arn, shard_id=point.shard_id,
                position=point.position, finished=point.finished, updated_at=now,
                window=None if point.window is None else orjson.dumps(point.window),
            )
            for point in checkpoints
        ]

        def write(view: WriteView) -> None:
            for row in rows:
                view.put_trigger_checkpoint(row)

        await self._storage.write(write)

    async def forget(self, mapping_uuid: str) -> None:
        await self._storage.write(lambda view: view.delete_trigger_checkpoints(mapping_uuid))

    # --- mappings made through the API ------------------------------------------------------------------

    async def mappings(self) -> list[dict[str, Any]]:
        stored = await self._storage.read(lambda view: view.list_trigger_mappings())
        return [orjson.loads(row.document) for row in stored]

    async def put_mapping(self, uuid: str, document: Mapping[str, Any]) -> None:
        row = StoredMapping(uuid, orjson.dumps(document), self._clock.now())
        await self._storage.write(lambda view: view.put_trigger_mapping(row))

    async def delete_mapping(self, uuid: str) -> None:
        await self._storage.write(lambda view: view.delete_trigger_mapping(uuid))

    # --- leases: which process runs a mapping -------------------------------------------------------------

    async def acquire_lease(self, uuid: str, holder: str, now: float, duration: float) -> bool:
        return await self._storage.write(lambda view: view.acquire_trigger_lease(uuid, holder, now, duration))

    async def release_lease(self, uuid: str, holder: str) -> None:
        await self._storage.write(lambda view: view.release_trigger_lease(uuid, holder))

    async def lease_holder(self, uuid: str) -> str | None:
        now = self._clock.now()
        return await self._storage.read(lambda view: view.trigger_lease_holder(uuid, now))


def _checkpoint(row: StoredCheckpoint) -> Checkpoint:
    window = None if row.window is None else orjson.loads(row.window)
    return Checkpoint(row.stream_arn, row.shard_id, row.position, row.finished, window)
