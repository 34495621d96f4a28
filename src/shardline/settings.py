"""Settings: built once from the command line and passed to everything that needs them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_ACCOUNT_ID = "000000000000"
# A request must arrive whole within this long of its first byte, or its connection is cut (a slowloris client
# would otherwise hold it forever). A 16 MiB body at 4 Mbit/s arrives in about 35 s; SDK requests are far smaller.
DEFAULT_REQUEST_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path("./data")
    # `serve --postgres URL`: the store lives in this PostgreSQL database instead of SQLite under data_dir;
    # several processes may share it (storage/postgres).
    postgres_url: str | None = None
    in_memory: bool = False
    region: str = "us-east-1"
    account_id: str = DEFAULT_ACCOUNT_ID
    # synchronous=FULL by default: an acknowledged write survives power loss. --relaxed-durability
    # trades that for speed (synchronous=NORMAL: survives a process crash, not a power cut).
    relaxed_durability: bool = False
    # Streams (issue #4). AWS's observed values by default; the flags shorten them for testing consumers.
    shard_rollover_seconds: float = 14_400.0
    stream_retention_seconds: float = 86_400.0
    iterator_ttl_seconds: float = 900.0
    stream_throttling: bool = False
    stream_partitions: int = 4
    # A partition splits once its open shard has taken this many bytes of records (AWS splits partitions
    # that grow past ~10 GB or take heavy write load).
    partition_split_bytes: int = 10 * 1024**3
    # `serve --auth FILE`: SigV4 signatures are verified against the keys in this file (credentials.py
    # describes its format); None accepts any well-formed credentials. The path only: secrets never sit here.
    auth_file: Path | None = None
    # `serve --triggers FILE`: event source mappings (triggers/) loaded at start; the file's folder joins the
    # handlers' import path.
    triggers_file: Path | None = None
    # With several processes on one PostgreSQL database, a mapping runs where its lease is held; a dead
    # process's mappings move elsewhere once its lease lapses.
    trigger_lease_seconds: float = 10.0
    # `serve --request-timeout-seconds`: the HTTP server's request-read timeout (protocol/http_server.py).
    request_timeout_seconds: float = DEFAULT_REQUEST_TIMEOUT_SECONDS
