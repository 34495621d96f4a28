"""Opening SQLite connections with shardline's settings, and loading the table catalog at start."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import orjson

from shardline.storage.backend import StoredTable

DATABASE_FILE_NAME = "shardline.db"
BUSY_TIMEOUT_MS = 5_000
CACHE_KIB = 32 * 1024


def database_path(path: Path) -> Path:
    """A directory holds the store as DATABASE_FILE_NAME; any other path is the database file itself."""
    if path.is_dir():
        return path / DATABASE_FILE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _connect(target: str, *, uri: bool = False) -> sqlite3.Connection:
    # isolation_level=None: the sqlite3 module must not open transactions on its own; the writer and the
    # readers issue BEGIN themselves. check_same_thread=False: each connection is confined to one thread
    # by the backend, but is created and closed on another.
    connection = sqlite3.connect(target, isolation_level=None, check_same_thread=False, uri=uri)
    connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    connection.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    connection.execute("PRAGMA temp_store = MEMORY")
    return connection


def connect_writer(path: Path, *, durable: bool) -> sqlite3.Connection:
    connection = _connect(str(path))
    mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        connection.close()
        raise sqlite3.OperationalError(f"cannot put {path} in WAL mode (got {mode})")
    # FULL syncs the WAL on every commit, so an acknowledged write survives a power cut; NORMAL syncs only
    # at checkpoints (survives a process crash, may lose the last commits on power loss).
    connection.execute(f"PRAGMA synchronous = {'FULL' if durable else 'NORMAL'}")
    return connection


def connect_reader(path: Path) -> sqlite3.Connection:
    connection = _connect(str(path))
    connection.execute("PRAGMA query_only = ON")
    return connection


def connect_memory() -> sqlite3.Connection:
    return _connect(":memory:")


def load_tables(connection: sqlite3.Connection) -> list[StoredTable]:
    rows = connection.execute(
        "SELECT name, table_id, definition, item_count, size_bytes FROM tables ORDER BY name"
    ).fetchall()
    return [
        StoredTable(name, table_id, orjson.loads(definition), int(item_count), int(size_bytes))
        for name, table_id, definition, item_count, size_bytes in rows
    ]
