"""The single writer thread: owns the write connection and commits pending works in groups.

Each group is one BEGIN IMMEDIATE … COMMIT; each work runs in its own SAVEPOINT, so a work that raises
is undone alone while the rest of the group commits. Results are handed back only after the COMMIT.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from shardline.errors import StorageError
from shardline.storage.sql.work_queue import STOP, Outcome, QueuedWork, WorkQueue, deliver
from shardline.storage.sqlite.catalog import PendingCatalog, TableCatalog, TableChanges
from shardline.storage.sqlite.open_shards import OpenShardCache
from shardline.storage.sqlite.readers import CommitCounter
from shardline.storage.sqlite.views import SqliteReadView, SqliteWriteView

logger = logging.getLogger(__name__)

MAX_GROUP_WORKS = 256
# A group also ends once its works have written this many bytes of items, so one commit stays short.
MAX_GROUP_BYTES = 4 * 1024 * 1024


@dataclass(eq=False)
class Job(QueuedWork):
    is_read: bool = False


@dataclass
class Group:
    changes: TableChanges = field(default_factory=TableChanges)
    uncommitted: list[Outcome] = field(default_factory=list)
    settled: list[Outcome] = field(default_factory=list)
    reads: list[Job] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)
    bytes_written: int = 0


class GroupCommitWriter(WorkQueue):
    """Runs write works (and, for a store without reader connections, read works) on one thread."""

    def __init__(
        self, connection: sqlite3.Connection, catalog: TableCatalog, *, checkpoint_on_close: bool,
        max_group_works: int = MAX_GROUP_WORKS, max_group_bytes: int = MAX_GROUP_BYTES,
        commits: CommitCounter | None = None,
    ) -> None:
        super().__init__()
        self._connection = connection
        self._commits = commits if commits is not None else CommitCounter()
        self._catalog = catalog
        self._checkpoint_on_close = checkpoint_on_close
        self._max_group_works = max_group_works
        self._max_group_bytes = max_group_bytes
        self._open_shards = OpenShardCache()
        self._released = False
        self._start("shardline-writer")

    def submit(self, work: Callable[[Any], Any], *, is_read: bool = False) -> asyncio.Future[Any]:
        loop = asyncio.get_running_loop()
        return self._accept(Job(work, loop.create_future(), loop, is_read))

    # --- the writer thread -------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            while True:
                first = self._queue.get()
                if first is STOP or not isinstance(first, Job):
                    break
                if self._run_group(first):
                    break
        except BaseException as error:  # a fault in the writer itself: fail every waiting caller
            logger.exception("storage writer stopped")
            self.stop()
            self._fail_queued(StorageError(f"storage writer failed: {error}"))
            raise
        finally:
            with contextlib.suppress(sqlite3.Error):
                if self._connection.in_transaction:
                    self._connection.execute("ROLLBACK")

    def release(self) -> None:
        """After join(): checkpoints the WAL into the database file and closes the connection (once)."""
        with self._accept_lock:
            if self._released:
                return
            self._released = True
        with contextlib.suppress(sqlite3.Error):
            if self._checkpoint_on_close:
                self._connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._connection.execute("PRAGMA optimize")
        with contextlib.suppress(sqlite3.Error):
            self._connection.close()

    def _run_group(self, first: Job) -> bool:
        """Runs one group starting with `first`; returns True when the stop marker was reached."""
        group = Group()
        try:
            return self._fill_and_commit(group, first)
        except BaseException as error:
            # _settle ignores a second outcome, so callers already answered keep their answer
            failed = StorageError(f"storage writer failed: {error}")
            deliver(Outcome(job, False, failed) for job in group.jobs)
            raise

    def _fill_and_commit(self, group: Group, first: Job) -> bool:
        job: Job = first
        stopping = False
        while True:
            group.jobs.append(job)
            if job.is_read:
                group.reads.append(job)
            else:
                self._run_write(job, group)
            if len(group.jobs) >= self._max_group_works or group.bytes_written >= self._max_group_bytes:
                break
            try:
                following = self._queue.get_nowait()
            except queue.Empty:
                break
            if not isinstance(following, Job):
                stopping = True
                break
            job = following
        self._commit(group)
        deliver([self._run_read(read) for read in group.reads])
        return stopping

    def _run_write(self, job: Job, group: Group) -> None:
        connection = self._connection
        # The first work of a transaction needs no savepoint: undoing it alone is rolling the transaction back
        # (two statements fewer for every group, and a lone request is a group of one).
        opens = not connection.in_transaction
        try:
            connection.execute("BEGIN IMMEDIATE" if opens else "SAVEPOINT work")
        except sqlite3.Error as error:
            group.settled.append(Outcome(job, False, StorageError(f"cannot start a write: {error}")))
            self._abandon_if_lost(group)
            return
        work_changes = TableChanges()
        view = SqliteWriteView(
            connection, PendingCatalog(self._catalog, [group.changes, work_changes]), self._open_shards
        )
        try:
            result = job.work(view)
        except Exception as error:
            view.close()
            group.settled.append(Outcome(job, False, error))
            self._undo_work(group, view.stream_changed, whole_transaction=opens)
            return
        view.close()
        if not opens:
            try:
                connection.execute("RELEASE work")
            except sqlite3.Error as error:
                group.settled.append(Outcome(job, False, StorageError(f"cannot finish a write: {error}")))
                self._undo_work(group, view.stream_changed, whole_transaction=False)
                return
        group.changes.absorb(work_changes)
        group.uncommitted.append(Outcome(job, True, result))
        group.bytes_written += view.bytes_written

    def _undo_work(self, group: Group, stream_changed: bool, *, whole_transaction: bool) -> None:
        if whole_transaction:  # the work was alone in its transaction (nothing else is uncommitted)
            self._abandon_if_lost(group, force=True, shards_changed=stream_changed)
            return
        if stream_changed:  # the cache saw sequence numbers or shards that the rollback takes back
            self._open_shards.forget()
        connection = self._connection
        if connection.in_transaction:
            try:
                connection.execute("ROLLBACK TO work")
                connection.execute("RELEASE work")
                return
            except sqlite3.Error:
                logger.exception("cannot roll back one work; abandoning its group")
        self._abandon_if_lost(group, force=True)

    def _abandon_if_lost(self, group: Group, *, force: bool = False, shards_changed: bool = True) -> None:
        """Some errors (disk full, I/O) make SQLite roll back the whole transaction: the works of the group
        that already ran are lost with it and get a StorageError; later works start a new transaction."""
        if self._connection.in_transaction and not force:
            return
        if shards_changed:
            self._open_shards.forget()
        if self._connection.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                self._connection.execute("ROLLBACK")
        lost = StorageError("the write transaction was rolled back by the store")
        group.settled.extend(Outcome(outcome.job, False, lost) for outcome in group.uncommitted)
        group.uncommitted.clear()
        group.changes = TableChanges()

    def _commit(self, group: Group) -> None:
        connection = self._connection
        if connection.in_transaction:
            try:
                self._flush_counters(group.changes)
                connection.execute("COMMIT")
            except sqlite3.Error as error:
                logger.exception("commit failed")
                with contextlib.suppress(sqlite3.Error):
                    if connection.in_transaction:
                        connection.execute("ROLLBACK")
                self._open_shards.forget()
                failed = StorageError(f"commit failed: {error}")
                group.settled.extend(Outcome(outcome.job, False, failed) for outcome in group.uncommitted)
                group.uncommitted.clear()
                group.changes = TableChanges()
            else:
                self._commits.value += 1  # before any answer: readers must not keep an older snapshot
                self._catalog.apply(group.changes)
        deliver([*group.uncommitted, *group.settled])

    def _flush_counters(self, changes: TableChanges) -> None:
        rows = [
            (table.item_count, table.size_bytes, table.table_id)
            for table in changes.by_name.values()
            if table is not None
        ]
        if rows:
            self._connection.executemany(
                "UPDATE tables SET item_count = ?, size_bytes = ? WHERE table_id = ?", rows
            )

    def _run_read(self, job: Job) -> Outcome:
        view = SqliteReadView(self._connection, self._catalog)
        try:
            return Outcome(job, True, job.work(view))
        except Exception as error:
            return Outcome(job, False, error)
        finally:
            view.close()
