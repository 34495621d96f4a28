"""Trigger storage for the SQLite adapter: event source mappings, their per-shard checkpoints (migration 4)
and the leases that say which process runs a mapping (migration 5)."""

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

    def trigger_lease_holder(self, mapping_uuid: str, now: float) -> str | None:
        rows = self._trigger_rows(
            "SELECT holder FROM trigger_leases WHERE mapping_uuid = ? AND expires_at > ?", (mapping_uuid, now)
        )
        return str(rows[0][0]) if rows else None


class TriggerWriteMixin(TriggerReadMixin):
    def put_trigger_mapping(self, mapping: StoredMapping) -> None:
        self._trigger_rows(
            "INSERT OR REPLACE INTO trigger_mappings (uuid, document, updated_at) VALUES (?, ?, ?)",
            (mapping.uuid, mapping.document, mapping.updated_at),
        )

    def delete_trigger_mapping(self, uuid: str) -> None:
        self._trigger_rows("DELETE FROM trigger_mappings WHERE uuid = ?", (uuid,))
        self.delete_trigger_checkpoints(uuid)
        self._trigger_rows("DELETE FROM trigger_leases WHERE mapping_uuid = ?", (uuid,))

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

    def acquire_trigger_lease(self, mapping_uuid: str, holder: str, now: float, duration: float) -> bool:
        # Writes run one at a time on the writer thread, so the upsert's WHERE decides alone.
        self._trigger_rows(
            "INSERT INTO trigger_leases (mapping_uuid, holder, expires_at) VALUES (?, ?, ?)"
            " ON CONFLICT (mapping_uuid) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at"
            " WHERE trigger_leases.holder = excluded.holder OR trigger_leases.expires_at <= ?",
            (mapping_uuid, holder, now + duration, now),
        )
        return int(self._trigger_rows("SELECT changes()", ())[0][0]) > 0

    def release_trigger_lease(self, mapping_uuid: str, holder: str) -> None:
        self._trigger_rows(
            "DELETE FROM trigger_leases WHERE mapping_uuid = ? AND holder = ?", (mapping_uuid, holder)
        )
