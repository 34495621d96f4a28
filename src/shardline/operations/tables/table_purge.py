"""Removing a deleted table's rows after DeleteTable has answered: DeleteTable detaches the table (it is gone
at once, its name free again) and removes a first batch of rows; a larger table's rest goes in later batches,
each one storage.write work of its own, so item writes of other tables interleave with them."""

from __future__ import annotations

import asyncio
import logging

from shardline.errors import ShardlineError
from shardline.storage.backend import StorageBackend

# Rows (items and index entries) removed per storage work: a few milliseconds of the writer each.
PURGE_BATCH_ROWS = 2_000

logger = logging.getLogger(__name__)

_RUNNING: dict[str, asyncio.Task[None]] = {}


def start_table_purge(storage: StorageBackend, table_id: str, batch_rows: int | None = None) -> None:
    """Starts the background purge of a detached table unless this process already runs one."""
    if table_id in _RUNNING:
        return
    rows = PURGE_BATCH_ROWS if batch_rows is None else batch_rows
    task = asyncio.get_running_loop().create_task(_run_purge(storage, table_id, rows))
    _RUNNING[table_id] = task
    task.add_done_callback(lambda _: _RUNNING.pop(table_id, None))


async def run_table_purge(storage: StorageBackend, table_id: str, batch_rows: int) -> int:
    """Removes the table's rows in batches until none are left; returns how many batches it took."""
    batches = 0
    while True:
        removed = await storage.write(lambda view: view.purge_detached_rows(table_id, batch_rows))
        batches += 1
        if removed < batch_rows:
            return batches


async def resume_table_purges(storage: StorageBackend, batch_rows: int | None = None) -> int:
    """Starts a purge for every detached table that still has rows (left by a stopped process); returns
    how many there are."""
    table_ids = await storage.write(lambda view: view.detached_table_ids())
    for table_id in table_ids:
        start_table_purge(storage, table_id, batch_rows)
    return len(table_ids)


async def _run_purge(storage: StorageBackend, table_id: str, batch_rows: int) -> None:
    try:
        await run_table_purge(storage, table_id, batch_rows)
    except asyncio.CancelledError:
        raise
    except ShardlineError:
        # The store closed or failed under the purge; the rows stay detached (invisible) and the next
        # DeleteTable or server start resumes it.
        logger.warning("purge of deleted table %s stopped", table_id, exc_info=True)


async def wait_for_table_purges() -> None:
    """Waits until every background purge of this process has finished (tests, shutdown)."""
    loop = asyncio.get_running_loop()
    while mine := [task for task in _RUNNING.values() if task.get_loop() is loop]:
        await asyncio.gather(*mine, return_exceptions=True)
