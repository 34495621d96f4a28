"""Building a GSI added by UpdateTable (CREATING → ACTIVE) and emptying a deleted one (DELETING → gone).

Both proceed in bounded batches, each one storage.write work of its own, so item writes interleave with
them; writes that land meanwhile keep a CREATING index up to date through maintain_indexes. A small
index is settled inside the UpdateTable transaction instead, so it is ACTIVE (or gone) at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

from shardline.errors import ShardlineError
from shardline.operations.indexes.projection import CREATING, DELETING, index_entry, index_plans, plan_of
from shardline.operations.tables.definition import IndexDefinition, TableDefinition, definition_of
from shardline.operations.tables.table_updates import used_attribute_types
from shardline.storage.backend import ItemKey, ReadView, StorageBackend, StoredTable, WriteView

BATCH_ITEMS = 500
# Tables (and deleted indexes) up to this many items are settled inside the UpdateTable transaction.
INLINE_ITEMS = BATCH_ITEMS

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Step:
    """Where a batched index job stands after one batch."""

    finished: bool
    cursor: ItemKey | None = None


def _pending_index(view: WriteView, table_name: str, table_id: str, index_name: str, status: str) -> (
    tuple[StoredTable, TableDefinition, IndexDefinition] | None
):
    """The table and index a job works on, or None when either is gone or has moved on (deleted table,
    deleted or finished index): the job then stops."""
    table = view.get_table(table_name)
    if table is None or table.table_id != table_id:
        return None
    definition = definition_of(table)
    index = definition.index(index_name)
    if index is None or index.status != status:
        return None
    return table, definition, index


def _store(view: WriteView, table: StoredTable, definition: TableDefinition) -> None:
    view.update_table_definition(table.name, definition.to_json())


def mark_backfilling(view: WriteView, table_name: str, table_id: str, index_name: str) -> bool:
    found = _pending_index(view, table_name, table_id, index_name, CREATING)
    if found is None:
        return False
    table, definition, index = found
    if not index.backfilling:
        changed = replace(index, backfilling=True)
        _store(view, table, replace(definition, indexes=_swap(definition, changed)))
    return True


def backfill_batch(
    view: WriteView, table_name: str, table_id: str, index_name: str, cursor: ItemKey | None, limit: int
) -> Step:
    """Indexes up to `limit` base items after `cursor`; the batch that reaches the end also makes the
    index ACTIVE, so the last entries and the status change commit together."""
    found = _pending_index(view, table_name, table_id, index_name, CREATING)
    if found is None:
        return Step(finished=True)
    table, definition, index = found
    plan = plan_of(definition, index)
    last: ItemKey | None = None
    seen = 0
    for key, item in view.scan_items(table_id, cursor, limit):
        seen += 1
        last = key
        entry = index_entry(plan, item, key)
        if entry is not None:
            view.put_index_entry(table_id, index_name, entry.key, entry.item, entry.size)
    if seen < limit:
        active = replace(index, status="ACTIVE", backfilling=False)
        _store(view, table, replace(definition, indexes=_swap(definition, active)))
        return Step(finished=True)
    return Step(finished=False, cursor=last)


def drop_batch(view: WriteView, table_name: str, table_id: str, index_name: str, limit: int) -> Step:
    """Removes up to `limit` entries of a DELETING index; the batch that empties it also removes the index
    from the definition, with the attribute definitions only it used."""
    found = _pending_index(view, table_name, table_id, index_name, DELETING)
    if found is None:
        return Step(finished=True)
    table, definition, _ = found
    keys = [key for key, _ in view.scan_index(table_id, index_name, None, limit)]
    for key in keys:
        view.delete_index_entry(table_id, index_name, key)
    if len(keys) < limit:
        view.delete_index(table_id, index_name)
        remaining = replace(definition, indexes=tuple(i for i in definition.indexes if i.name != index_name))
        _store(view, table, replace(remaining, attribute_types=used_attribute_types(remaining)))
        return Step(finished=True)
    return Step(finished=False)


def _swap(definition: TableDefinition, index: IndexDefinition) -> tuple[IndexDefinition, ...]:
    return tuple(index if i.name == index.name else i for i in definition.indexes)


def settle_small_index_jobs(view: WriteView, table_name: str, limit: int | None = None) -> None:
    """Inside UpdateTable's work: builds a new GSI of a table with at most `limit` (INLINE_ITEMS) items,
    and empties a deleted GSI with at most that many entries, in this transaction. Larger ones are left to
    the background jobs of start_index_jobs."""
    table = view.get_table(table_name)
    if table is None:
        return
    limit = INLINE_ITEMS if limit is None else limit
    for plan in index_plans(table):
        if plan.status == CREATING:
            if table.item_count <= limit:
                backfill_batch(view, table_name, table.table_id, plan.name, None, limit + 1)
            else:
                # From now on reads are refused as from a backfilling index, until the job finishes.
                mark_backfilling(view, table_name, table.table_id, plan.name)
        elif plan.status == DELETING and view.index_statistics(table.table_id, plan.name)[0] <= limit:
            drop_batch(view, table_name, table.table_id, plan.name, limit + 1)


# --- background jobs ------------------------------------------------------------------------------------

_JobKey = tuple[str, str, str]  # table id, index name, status the job moves the index out of
_RUNNING: dict[_JobKey, asyncio.Task[None]] = {}


def start_index_jobs(storage: StorageBackend, table: StoredTable, batch_items: int | None = None) -> None:
    """Starts a background job for every CREATING or DELETING index of the table that has none running in
    this process (after a restart, the first DescribeTable or UpdateTable resumes them)."""
    batch_items = BATCH_ITEMS if batch_items is None else batch_items
    for plan in index_plans(table):
        if plan.status not in (CREATING, DELETING):
            continue
        key = (table.table_id, plan.name, plan.status)
        if key in _RUNNING:
            continue
        task = asyncio.get_running_loop().create_task(
            _run_job(storage, table.name, table.table_id, plan.name, plan.status, batch_items)
        )
        _RUNNING[key] = task
        task.add_done_callback(lambda _, key=key: _RUNNING.pop(key, None))  # type: ignore[misc]


async def resume_index_jobs(storage: StorageBackend, batch_items: int | None = None) -> int:
    """At server start: starts the jobs a previous process left unfinished; returns how many tables
    have one."""

    def unfinished(view: ReadView) -> list[StoredTable]:
        found: list[StoredTable] = []
        after: str | None = None
        while names := view.list_table_names(after, 100):
            for name in names:
                table = view.get_table(name)
                if table is not None and any(p.status in (CREATING, DELETING) for p in index_plans(table)):
                    found.append(table)
            after = names[-1]
        return found

    tables = await storage.read(unfinished)
    for table in tables:
        start_index_jobs(storage, table, batch_items)
    return len(tables)


async def run_index_job(
    storage: StorageBackend, table_name: str, table_id: str, index_name: str, status: str, batch_items: int
) -> None:
    """Runs one job to its end in batches of `batch_items`."""
    if status == CREATING:
        marked = await storage.write(lambda view: mark_backfilling(view, table_name, table_id, index_name))
        if not marked:
            return
        cursor: ItemKey | None = None
        while True:
            step = await storage.write(_backfill_work(table_name, table_id, index_name, cursor, batch_items))
            if step.finished:
                return
            cursor = step.cursor
    while True:
        step = await storage.write(
            lambda view: drop_batch(view, table_name, table_id, index_name, batch_items)
        )
        if step.finished:
            return


def _backfill_work(
    table_name: str, table_id: str, index_name: str, cursor: ItemKey | None, limit: int
) -> Callable[[WriteView], Step]:
    return lambda view: backfill_batch(view, table_name, table_id, index_name, cursor, limit)


async def _run_job(
    storage: StorageBackend, table_name: str, table_id: str, index_name: str, status: str, batch_items: int
) -> None:
    try:
        await run_index_job(storage, table_name, table_id, index_name, status, batch_items)
    except asyncio.CancelledError:
        raise
    except ShardlineError:
        # The store closed or failed under the job; the index keeps its status and the next
        # DescribeTable or UpdateTable starts the job again.
        logger.warning("index job for %s.%s stopped", table_name, index_name, exc_info=True)


async def wait_for_index_jobs() -> None:
    """Waits until every background index job of this process has finished (tests, shutdown)."""
    loop = asyncio.get_running_loop()
    while mine := [task for task in _RUNNING.values() if task.get_loop() is loop]:
        await asyncio.gather(*mine, return_exceptions=True)
