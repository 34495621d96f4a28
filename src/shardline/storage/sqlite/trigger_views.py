"""Trigger storage for the SQLite adapter: event source mappings, their per-shard checkpoints (migration 4)
and the leases that say which process runs a mapping (migration 5), by the shared core in SQLite's dialect."""

from __future__ import annotations

from shardline.storage.sql.trigger_views import SqlTriggerReads, SqlTriggerWrites, TriggerStatements
from shardline.storage.sqlite.stream_views import SQLITE, SqliteStatements


class TriggerReadMixin(SqlTriggerReads, SqliteStatements):
    _trigger_sql = TriggerStatements.written_for(SQLITE)


class TriggerWriteMixin(SqlTriggerWrites, TriggerReadMixin):
    pass
