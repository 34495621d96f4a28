"""Trigger storage for the SQLite adapter: event source mappings and their per-shard checkpoints
(tables `trigger_mappings` and `trigger_checkpoints`, migration 4)."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from shardline.errors import StorageError
from shardline.storage.backend import StoredCheckpoint, StoredMapping

_CHECKPOINT_COLUMNS = "mapping_uuid, stream_arn, shard_id, position, finished, updated_at, window_state"


def _checkpoint(row: tuple[Any, ...]) -> StoredCheckpoint:
    uuid, arn, shard_id, position, finished, updated_at, window = row
    return StoredCheckpoint(
        mapping_uuid=str(uuid),
        stream_arn=str(arn),
        shard_id=str(shard_id),
        position=str(position),
        finished=bool(finished),
        updated_at=float(updated_at),
        window=None if window is None else bytes(window),
    )


class TriggerReadMixin:
    if TYPE_CHECKING:

        def _sql(self) -> sqlite3.Connection: ...

    def _trigger_rows(self, statement: str, parameters: tuple[object, ...]) -> list[tuple[Any, ...]]:
        try:
            return self._sql().execute(statement, parameters).fetchall()
        except sqlite3.Error as error:
            raise StorageError(f"sqlite: {error}") from error

    def list_trigger_mappings(self) -> list[StoredMapping]:
        rows = self._trigger_rows("SELECT uuid, document, updated_at FROM trigger_mappings ORDER BY uuid", ())
        return [StoredMapping(str(uuid), bytes(document), float(at)) for uuid, document, at in rows]

    def list_trigger_checkpoints(self, mapping_uuid: str) -> list[StoredCheckpoint]:
        rows = self._trigger_rows(
            f"SELECT {_CHECKPOINT_COLUMNS} FROM trigger_checkpoints WHERE mapping_uuid = ?"
            " ORDER BY stream_arn, shard_id",
            (mapping_uuid,),
        )
        return [_checkpoint(row) for row in rows]


class TriggerWriteMixin(TriggerReadMixin):
    def put_trigger_mapping(self, mapping: StoredMapping) -> None:
        self._trigger_rows(
            "INSERT OR REPLACE INTO trigger_mappings (uuid, document, updated_at) VALUES (?, ?, ?)",
            (mapping.uuid, mapping.document, mapping.updated_at),
        )

    def delete_trigger_mapping(self, uuid: str) -> None:
        self._trigger_rows("DELETE FROM trigger_mappings WHERE uuid = ?", (uuid,))
        self.delete_trigger_checkpoints(uuid)

    def put_trigger_checkpoint(self, checkpoint: StoredCheckpoint) -> None:
        self._trigger_rows(
            f"INSERT OR REPLACE INTO trigger_checkpoints ({_CHECKPOINT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                checkpoint.mapping_uuid, checkpoint.stream_arn, checkpoint.shard_id, checkpoint.position,
                int(checkpoint.finished), checkpoint.updated_at, checkpoint.window,
            ),
        )

    def delete_trigger_checkpoints(self, mapping_uuid: str) -> None:
        self._trigger_rows("DELETE FROM trigger_checkpoints WHERE mapping_uuid = ?", (mapping_uuid,))
