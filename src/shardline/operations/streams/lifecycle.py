"""The control plane's side of streams: CreateTable, UpdateTable and DeleteTable call these inside their
storage work, so a stream (with its shards) appears or closes in the same transaction as the table change."""

from __future__ import annotations

from shardline.operations.tables.definition import StreamSettings, TableDefinition
from shardline.settings import Settings
from shardline.storage.backend import StoredTable, WriteView
from shardline.streams.shards import close_stream, open_stream


def sync_stream(
    view: WriteView, table: StoredTable, before: StreamSettings, after: TableDefinition, now: float,
    settings: Settings,
) -> None:
    """Opens the stream of a newly enabled period and closes the one of a period that just ended."""
    old_latest, new_latest = before.latest, after.stream.latest
    if before.enabled and old_latest is not None and (
        not after.stream.enabled or new_latest is None or new_latest.label != old_latest.label
    ):
        close_stream(view, table.name, old_latest.label, now)
    if after.stream.enabled and new_latest is not None and (
        not before.enabled or old_latest is None or old_latest.label != new_latest.label
    ):
        open_stream(
            view,
            table_name=table.name,
            table_id=table.table_id,
            label=new_latest.label,
            view_type=new_latest.view_type,
            key_elements=[(element.name, element.key_type) for element in after.key_elements],
            now=now,
            partitions=settings.stream_partitions,
        )


def end_stream(view: WriteView, table: StoredTable, definition: TableDefinition, now: float) -> None:
    """DeleteTable: the enabled stream is disabled, and stays listed and readable for the retention period."""
    latest = definition.stream.latest
    if definition.stream.enabled and latest is not None:
        close_stream(view, table.name, latest.label, now)
