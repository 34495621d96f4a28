"""What a standalone trigger runner (`shardline triggers run`) last reported about each mapping, kept in its SQLite
state file so that `shardline triggers status --state`, another process, can show it. SQLite only: a runner's
state store is always a local SQLite file, so this is an extension of the adapter, not of the storage port."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shardline.errors import StorageError

# The table comes with migration 6 (storage/sqlite/migrations.py).
_COLUMNS = "mapping_uuid, document, saved_at, process_id, stopped"


@dataclass(frozen=True)
class StoredRunnerStatus:
    """One mapping's status as a runner saved it: `document` is the triggers layer's opaque JSON, `saved_at`
    when it was saved, `process_id` the runner that saved it, `stopped` whether that runner had shut down."""

    mapping_uuid: str
    document: bytes
    saved_at: float
    process_id: str
    stopped: bool = False


def _status(row: tuple[Any, ...]) -> StoredRunnerStatus:
    uuid, document, saved_at, process_id, stopped = row
    return StoredRunnerStatus(str(uuid), bytes(document), float(saved_at), str(process_id), bool(stopped))


class RunnerStatusReadMixin:
    if TYPE_CHECKING:

        def _sql(self) -> sqlite3.Connection: ...

    def _runner_status_rows(self, statement: str, parameters: tuple[object, ...]) -> list[tuple[Any, ...]]:
        try:
            return self._sql().execute(statement, parameters).fetchall()
        except sqlite3.Error as error:
            raise StorageError(f"sqlite: {error}") from error

    def list_runner_statuses(self) -> list[StoredRunnerStatus]:
        """Every saved status, in uuid order; none when no runner has saved one in this store."""
        rows = self._runner_status_rows(f"SELECT {_COLUMNS} FROM runner_statuses ORDER BY mapping_uuid", ())
        return [_status(row) for row in rows]


class RunnerStatusWriteMixin(RunnerStatusReadMixin):
    def put_runner_statuses(self, statuses: Sequence[StoredRunnerStatus]) -> None:
        """Creates or replaces the status of each mapping named."""
        for status in statuses:
            self._runner_status_rows(
                f"INSERT OR REPLACE INTO runner_statuses ({_COLUMNS}) VALUES (?, ?, ?, ?, ?)",
                (status.mapping_uuid, status.document, status.saved_at, status.process_id, int(status.stopped)),
            )


def runner_status_reader(view: object) -> RunnerStatusReadMixin:
    """The view as a reader of runner statuses; StorageError for a store that keeps none (not SQLite)."""
    if not isinstance(view, RunnerStatusReadMixin):
        raise StorageError("this store keeps no trigger runner status (only a SQLite state file does)")
    return view


def runner_status_writer(view: object) -> RunnerStatusWriteMixin:
    """The view as a writer of runner statuses; StorageError for a store that keeps none (not SQLite)."""
    if not isinstance(view, RunnerStatusWriteMixin):
        raise StorageError("this store keeps no trigger runner status (only a SQLite state file does)")
    return view
