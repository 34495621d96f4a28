"""Trigger storage shared by the SQL adapters: event source mappings, their per-shard checkpoints, and the
leases that let one process at a time run a mapping (the tables of the trigger migrations)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from shardline.storage.backend import StoredCheckpoint, StoredMapping
from shardline.storage.sql.dialect import RunsStatements, SqlDialect

_CHECKPOINT_COLUMNS = ("mapping_uuid", "stream_arn", "shard_id", "position", "finished", "updated_at", "window_state")


@dataclass(frozen=True)
class TriggerStatements:
    """The trigger statements in one dialect, written once when an adapter's views are defined."""

    list_mappings: str
    list_checkpoints: str
    lease_holder: str
    put_mapping: str
    delete_mapping: str
    put_checkpoint: str
    delete_checkpoints: str
    acquire_lease: str
    release_lease: str
    delete_leases: str

    @classmethod
    def written_for(cls, dialect: SqlDialect) -> TriggerStatements:
        p = dialect.placeholder
        return cls(
            list_mappings="SELECT uuid, document, updated_at FROM trigger_mappings ORDER BY uuid",
            list_checkpoints=(
                f"SELECT {', '.join(_CHECKPOINT_COLUMNS)} FROM trigger_checkpoints WHERE mapping_uuid = {p}"
                " ORDER BY stream_arn, shard_id"
            ),
            lease_holder=f"SELECT holder FROM trigger_leases WHERE mapping_uuid = {p} AND expires_at > {p}",
            put_mapping=dialect.upsert("trigger_mappings", ("uuid", "document", "updated_at"), ("uuid",)),
            delete_mapping=f"DELETE FROM trigger_mappings WHERE uuid = {p}",
            put_checkpoint=dialect.upsert(
                "trigger_checkpoints", _CHECKPOINT_COLUMNS, ("mapping_uuid", "stream_arn", "shard_id")
            ),
            delete_checkpoints=f"DELETE FROM trigger_checkpoints WHERE mapping_uuid = {p}",
            # The conditional upsert decides alone who holds the lease: SQLite runs writes one at a time on
            # its writer thread, and PostgreSQL's row lock makes two processes' attempts take turns.
            acquire_lease=(
                f"INSERT INTO trigger_leases (mapping_uuid, holder, expires_at) VALUES ({dialect.marks(3)})"
                " ON CONFLICT (mapping_uuid) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at"
                f" WHERE trigger_leases.holder = excluded.holder OR trigger_leases.expires_at <= {p}"
            ),
            release_lease=f"DELETE FROM trigger_leases WHERE mapping_uuid = {p} AND holder = {p}",
            delete_leases=f"DELETE FROM trigger_leases WHERE mapping_uuid = {p}",
        )


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


class SqlTriggerReads(RunsStatements):
    """The trigger part of a ReadView; an adapter sets `_trigger_sql` to the statements of its dialect."""

    _trigger_sql: ClassVar[TriggerStatements]

    def list_trigger_mappings(self) -> list[StoredMapping]:
        rows = self._rows(self._trigger_sql.list_mappings)
        return [StoredMapping(str(uuid), bytes(document), float(at)) for uuid, document, at in rows]

    def list_trigger_checkpoints(self, mapping_uuid: str) -> list[StoredCheckpoint]:
        rows = self._rows(self._trigger_sql.list_checkpoints, (mapping_uuid,))
        return [_checkpoint(row) for row in rows]

    def trigger_lease_holder(self, mapping_uuid: str, now: float) -> str | None:
        """The process holding the mapping's unexpired lease, if any."""
        rows = self._rows(self._trigger_sql.lease_holder, (mapping_uuid, now))
        return str(rows[0][0]) if rows else None


class SqlTriggerWrites(SqlTriggerReads):
    """The trigger part of a WriteView."""

    def put_trigger_mapping(self, mapping: StoredMapping) -> None:
        self._execute(self._trigger_sql.put_mapping, (mapping.uuid, mapping.document, mapping.updated_at))

    def delete_trigger_mapping(self, uuid: str) -> None:
        self._execute(self._trigger_sql.delete_mapping, (uuid,))
        self.delete_trigger_checkpoints(uuid)
        self._execute(self._trigger_sql.delete_leases, (uuid,))

    def put_trigger_checkpoint(self, checkpoint: StoredCheckpoint) -> None:
        # `finished` goes as a bool: a boolean column in PostgreSQL, the integer 1 or 0 in SQLite.
        self._execute(
            self._trigger_sql.put_checkpoint,
            (
                checkpoint.mapping_uuid, checkpoint.stream_arn, checkpoint.shard_id, checkpoint.position,
                checkpoint.finished, checkpoint.updated_at, checkpoint.window,
            ),
        )

    def delete_trigger_checkpoints(self, mapping_uuid: str) -> None:
        self._execute(self._trigger_sql.delete_checkpoints, (mapping_uuid,))

    def acquire_trigger_lease(self, mapping_uuid: str, holder: str, now: float, duration: float) -> bool:
        """Takes or renews the mapping's lease for `holder` until now + duration; False while another
        holder's lease has not expired."""
        changed = self._execute(self._trigger_sql.acquire_lease, (mapping_uuid, holder, now + duration, now))
        return changed > 0

    def release_trigger_lease(self, mapping_uuid: str, holder: str) -> None:
        self._execute(self._trigger_sql.release_lease, (mapping_uuid, holder))
