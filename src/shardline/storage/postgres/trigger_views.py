"""Trigger storage for the PostgreSQL adapter: event source mappings, their per-shard checkpoints, and the
leases that let one process at a time run a mapping (tables of migration 4)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shardline.storage.backend import StoredCheckpoint, StoredMapping

if TYPE_CHECKING:
    from shardline.storage.postgres.sql_access import Rows

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

        def _rows(self, statement: str, parameters: tuple[object, ...] | list[object] = ()) -> Rows: ...

    def list_trigger_mappings(self) -> list[StoredMapping]:
        rows = self._rows("SELECT uuid, document, updated_at FROM trigger_mappings ORDER BY uuid")
        return [StoredMapping(str(uuid), bytes(document), float(at)) for uuid, document, at in rows]

    def list_trigger_checkpoints(self, mapping_uuid: str) -> list[StoredCheckpoint]:
        rows = self._rows(
            f"SELECT {_CHECKPOINT_COLUMNS} FROM trigger_checkpoints WHERE mapping_uuid = %s"
            " ORDER BY stream_arn, shard_id",
            (mapping_uuid,),
        )
        return [_checkpoint(row) for row in rows]

    def trigger_lease_holder(self, mapping_uuid: str, now: float) -> str | None:
        """The process holding the mapping's unexpired lease, if any."""
        rows = self._rows(
            "SELECT holder FROM trigger_leases WHERE mapping_uuid = %s AND expires_at > %s", (mapping_uuid, now)
        )
        return str(rows[0][0]) if rows else None


class TriggerWriteMixin(TriggerReadMixin):
    if TYPE_CHECKING:

        def _execute(self, statement: str, parameters: tuple[object, ...] | list[object] = ()) -> int: ...

    def put_trigger_mapping(self, mapping: StoredMapping) -> None:
        self._execute(
            "INSERT INTO trigger_mappings (uuid, document, updated_at) VALUES (%s, %s, %s)"
            " ON CONFLICT (uuid) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at",
            (mapping.uuid, mapping.document, mapping.updated_at),
        )

    def delete_trigger_mapping(self, uuid: str) -> None:
        self._execute("DELETE FROM trigger_mappings WHERE uuid = %s", (uuid,))
        self.delete_trigger_checkpoints(uuid)
        self._execute("DELETE FROM trigger_leases WHERE mapping_uuid = %s", (uuid,))

    def put_trigger_checkpoint(self, checkpoint: StoredCheckpoint) -> None:
        self._execute(
            f"INSERT INTO trigger_checkpoints ({_CHECKPOINT_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (mapping_uuid, stream_arn, shard_id) DO UPDATE SET position = excluded.position,"
            " finished = excluded.finished, updated_at = excluded.updated_at, window_state = excluded.window_state",
            (
                checkpoint.mapping_uuid, checkpoint.stream_arn, checkpoint.shard_id, checkpoint.position,
                checkpoint.finished, checkpoint.updated_at, checkpoint.window,
            ),
        )

    def delete_trigger_checkpoints(self, mapping_uuid: str) -> None:
        self._execute("DELETE FROM trigger_checkpoints WHERE mapping_uuid = %s", (mapping_uuid,))

    def acquire_trigger_lease(self, mapping_uuid: str, holder: str, now: float, duration: float) -> bool:
        """Takes or renews the mapping's lease for `holder` until now + duration; False while another
        holder's lease has not expired. The upsert's row lock makes two processes' attempts take turns."""
        changed = self._execute(
            "INSERT INTO trigger_leases (mapping_uuid, holder, expires_at) VALUES (%s, %s, %s)"
            " ON CONFLICT (mapping_uuid) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at"
            " WHERE trigger_leases.holder = excluded.holder OR trigger_leases.expires_at <= %s",
            (mapping_uuid, holder, now + duration, now),
        )
        return changed > 0

    def release_trigger_lease(self, mapping_uuid: str, holder: str) -> None:
        self._execute(
            "DELETE FROM trigger_leases WHERE mapping_uuid = %s AND holder = %s", (mapping_uuid, holder)
        )
