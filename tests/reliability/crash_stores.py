"""Where a crash campaign's servers keep their data: a SQLite directory or a PostgreSQL database that outlives
the killed processes. Each store says how to start a server on it and reads the persisted trigger checkpoints
while no server runs."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from tests.reliability.trigger_audit import read_checkpoints

# A killed process's PostgreSQL sessions end once their backends notice the closed socket (at once when idle,
# after the statement in flight otherwise): the checkpoints are read only after that, so that a commit still
# in flight at the kill cannot land after the read.
SESSIONS_END_SECONDS = 20.0


class CrashStore(Protocol):
    def server_args(self) -> tuple[str, ...]:
        """The `shardline serve` flags that put a server on this store."""
        ...

    def data_dir(self, slot: int) -> Path:
        """The --data-dir of server slot `slot` (of the processes that run at once)."""
        ...

    def read_checkpoints(self, *, servers_running: bool = False) -> dict[tuple[str, str], str]:
        """The persisted trigger checkpoints, (stream ARN, shard id) → position: after a kill, once what the
        killed servers sent has landed; with servers_running, as committed now."""
        ...


@dataclass(frozen=True)
class SqliteStore:
    directory: Path

    def server_args(self) -> tuple[str, ...]:
        return ()

    def data_dir(self, slot: int) -> Path:
        if slot != 0:
            raise ValueError("a SQLite data directory serves one process")
        return self.directory

    def read_checkpoints(self, *, servers_running: bool = False) -> dict[tuple[str, str], str]:
        return read_checkpoints(self.directory)  # read-only on the WAL file: committed transactions only


@dataclass(frozen=True)
class PostgresStore:
    url: str
    root: Path

    def server_args(self) -> tuple[str, ...]:
        return ("--postgres", self.url)

    def data_dir(self, slot: int) -> Path:
        return self.root / f"server-{slot}"  # unused by a PostgreSQL-backed server, but --data-dir is passed

    def read_checkpoints(self, *, servers_running: bool = False) -> dict[tuple[str, str], str]:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as connection:
            deadline = time.monotonic() + SESSIONS_END_SECONDS
            while not servers_running:
                row = connection.execute(
                    # client sessions only: an autovacuum worker on the database is no server's
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
                ).fetchone()
                if row is None or row[0] == 0:
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{row[0]} sessions of killed servers still open after "
                                       f"{SESSIONS_END_SECONDS} s")
                time.sleep(0.02)
            rows = connection.execute("SELECT stream_arn, shard_id, position FROM trigger_checkpoints").fetchall()
        return {(str(arn), str(shard)): str(position) for arn, shard, position in rows}
