"""Trigger storage for the PostgreSQL adapter: event source mappings, their per-shard checkpoints, and the
leases that let one process at a time run a mapping (tables of migration 4), by the shared core in
PostgreSQL's dialect; statements run through the view's SqlAccess."""

from __future__ import annotations

from shardline.storage.postgres.stream_views import POSTGRES
from shardline.storage.sql.trigger_views import SqlTriggerReads, SqlTriggerWrites, TriggerStatements


class TriggerReadMixin(SqlTriggerReads):
    _trigger_sql = TriggerStatements.written_for(POSTGRES)


class TriggerWriteMixin(SqlTriggerWrites, TriggerReadMixin):
    pass
