"""The writer thread: one connection, pending works committed in groups (group commit), statements batched.

Each group is one transaction; each work runs under its own SAVEPOINT, so a work that raises is undone alone
while the rest of the group commits, and results are handed back only after the COMMIT. Statements whose
answer a work does not need (savepoints, key locks before a read, upserts of items read under their lock,
stream records) travel with the next statement that waits (sql_access.py): a work costs one round trip, and
the group's end (records, counters, COMMIT) one more. A work that loses a deadlock against another process (or
a serialization failure) is rolled back to its savepoint and run again in the next group, after this group's
commit has released its locks; a work that would have to wait for a lock while its group holds locks ends the
group instead (see views.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import errors as pg_errors

from shardline.errors import StorageError
from shardline.storage.postgres import prepared
from shardline.storage.postgres.connections import connect_writer
from shardline.storage.postgres.key_locks import KeyLocks
from shardline.storage.postgres.pending import Layer, Pending
from shardline.storage.postgres.sql_access import SqlSession
from shardline.storage.postgres.stream_appends import group_pending, write_out_statements
from shardline.storage.postgres.views import DefinitionCache, PostgresWriteView
from shardline.storage.sql.work_queue import Outcome, QueuedWork, WorkQueue, deliver

logger = logging.getLogger(__name__)

# PostgreSQL keeps the ids of up to 64 subtransactions (one per work's savepoint) in shared memory; past that,
# every other session's snapshot overflows to pg_subtrans lookups while the group is open.
MAX_GROUP_WORKS = 60
MAX_GROUP_BYTES = 4 * 1024 * 1024
MAX_ATTEMPTS = 20
RECONNECT_DELAY_SECONDS = 0.5
RETRIABLE = (pg_errors.DeadlockDetected, pg_errors.SerializationFailure, pg_errors.LockNotAvailable)


@dataclass(eq=False)
class Job(QueuedWork):
    attempts: int = 0
    careful: bool = False  # run unbatched (after a batched group failed for a work unknown)


@dataclass
class Group:
    layer: Layer = field(default_factory=Layer)
    uncommitted: list[Outcome] = field(default_factory=list)
    settled: list[Outcome] = field(default_factory=list)
    retry: list[Job] = field(default_factory=list)
    cut: Job | None = None  # the work that ended the group on lock contention; it goes first in the next
    poisoned: bool = False  # a deferred statement failed for a work unknown: the group is undone
    works_run: int = 0
    holds_shard_locks: bool = False
    bytes_written: int = 0


class PostgresWriter(WorkQueue):
    def __init__(
        self, url: str, *, durable: bool, definitions: DefinitionCache,
        max_group_works: int = MAX_GROUP_WORKS, max_group_bytes: int = MAX_GROUP_BYTES,
    ) -> None:
        super().__init__()
        self._url = url
        self._durable = durable
        self._connection: psycopg.Connection[tuple[Any, ...]] | None = self._open_connection()
        self._definitions = definitions
        self._max_group_works = max_group_works
        self._max_group_bytes = max_group_bytes
        self._key_locks = KeyLocks()
        self._retry: deque[Job] = deque()
        self.committed_groups = 0  # transactions committed: how well works are grouped (tests, diagnostics)
        self._start("shardline-pg-writer")

    def submit(self, work: Callable[[Any], Any]) -> asyncio.Future[Any]:
        loop = asyncio.get_running_loop()
        return self._accept(Job(work, loop.create_future(), loop))

    def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(psycopg.Error):
                connection.close()

    # --- the writer thread -------------------------------------------------------------------------

    def _run(self) -> None:
        stopping = False
        try:
            while True:
                if self._retry:
                    first = self._retry.popleft()
                elif stopping:
                    return
                else:
                    queued = self._queue.get()
                    if not isinstance(queued, Job):
                        stopping = True
                        continue
                    first = queued
                stopping = self._run_group(first, stopping)
        except BaseException as error:
            logger.exception("storage writer stopped")
            self.stop()
            failed = StorageError(f"storage writer failed: {error}")
            deliver(Outcome(job, False, failed) for job in self._retry)
            self._fail_queued(failed)
            raise

    def _following(self, stopping: bool) -> tuple[Job | None, bool]:
        """The next work for the running group, if one is pending: works waiting for a retry first."""
        if self._retry:
            return self._retry.popleft(), stopping
        if stopping:
            return None, True
        try:
            queued = self._queue.get_nowait()
        except queue.Empty:
            return None, False
        if not isinstance(queued, Job):
            return None, True
        return queued, False

    def _connect(self) -> psycopg.Connection[tuple[Any, ...]]:
        connection = self._connection
        if connection is not None and not connection.closed and not connection.broken:
            return connection
        if connection is not None:
            with contextlib.suppress(psycopg.Error):
                connection.close()
            self._connection = None
            time.sleep(RECONNECT_DELAY_SECONDS)
        self._connection = self._open_connection()
        return self._connection

    def _open_connection(self) -> psycopg.Connection[tuple[Any, ...]]:
        connection = connect_writer(self._url, durable=self._durable)
        try:
            connection.execute("; ".join(statement.preparation for statement in prepared.WRITER))
        except psycopg.Error as error:
            connection.close()
            raise StorageError(f"cannot prepare the writer's statements: {error}") from error
        return connection

    def _run_group(self, first: Job, stopping: bool) -> bool:
        """Runs one group starting with `first`, taking in pending works while it is under its bounds;
        returns whether the stop marker has been seen."""
        group = Group()
        try:
            connection = self._connect()
        except (psycopg.Error, StorageError) as error:
            deliver([Outcome(first, False, StorageError(f"cannot start a write: {error}"))])
            return stopping
        processed: list[Job] = []
        batched = not first.careful
        failure: psycopg.Error | None = None
        try:
            session = SqlSession(connection, batched=batched)
            stopping = self._run_works(session, group, first, stopping, processed)
            if not group.poisoned:
                self._finish(session, group.layer)
        except psycopg.Error as error:
            failure = error
        finally:
            self._key_locks.transaction_ended()
        if failure is not None or group.poisoned:
            self._roll_back(connection)
        if (failure is not None or group.poisoned) and batched and not connection.broken and not connection.closed:
            # Some deferred statement failed and its work is unknown: the group is undone as a whole and its
            # works run again one statement at a time, where each failure is its own work's.
            if failure is not None:
                logger.info("batched write group failed, running its works again: %s", failure)
            for job in processed:
                job.careful = True
            self._retry.extendleft(reversed(processed))
            return stopping
        if failure is not None:
            logger.error("write group failed: %s", failure)
            # Every work of the group that had not failed on its own fails with it; works waiting for a
            # retry were rolled back already and still get it.
            failed = StorageError(f"write transaction failed: {failure}")
            answered = {id(outcome.job) for outcome in group.settled} | {id(job) for job in group.retry}
            if group.cut is not None:
                answered.add(id(group.cut))
            group.settled.extend(Outcome(job, False, failed) for job in processed if id(job) not in answered)
            group.uncommitted.clear()
        else:
            self.committed_groups += 1
        self._retry.extend(group.retry)
        if group.cut is not None:
            self._retry.appendleft(group.cut)
        deliver([*group.uncommitted, *group.settled])
        return stopping

    def _run_works(
        self, session: SqlSession, group: Group, first: Job, stopping: bool, processed: list[Job]
    ) -> bool:
        session.send("BEGIN")
        job: Job | None = first
        while job is not None:
            processed.append(job)
            self._run_write(session, job, group)
            if group.poisoned or group.cut is not None:
                break
            if len(processed) >= self._max_group_works or group.bytes_written >= self._max_group_bytes:
                break
            job, stopping = self._following(stopping)
        return stopping

    def _finish(self, session: SqlSession, layer: Layer) -> None:
        """Writes what the group kept in memory (stream records, shard and table counters) and commits: batched,
        all of it is one round trip."""
        records, moved = group_pending(layer.appends)
        for statement, parameters in write_out_statements(records, moved):
            session.send(statement, parameters)
        self._flush_counters(session, layer)
        session.send("COMMIT")
        session.wait()

    @staticmethod
    def _roll_back(connection: psycopg.Connection[tuple[Any, ...]]) -> None:
        with contextlib.suppress(psycopg.Error):
            connection.execute("ROLLBACK")

    def _run_write(self, session: SqlSession, job: Job, group: Group) -> None:
        """Runs one work under its own savepoint; a work that fails is rolled back to it."""
        savepoint = f"work{group.works_run}"
        group.works_run += 1
        if not self._send_or_poison(session, group, f"SAVEPOINT {savepoint}"):
            return
        layer = Layer()
        may_wait = not self._key_locks.group_holds_any() and not group.holds_shard_locks
        view = PostgresWriteView(
            session, self._definitions, Pending(group.layer, layer), self._key_locks, may_wait=may_wait
        )
        outcome: Outcome
        try:
            outcome = Outcome(job, True, job.work(view))
        except Exception as error:
            outcome = Outcome(job, False, error)
        finally:
            view.close()
        if outcome.ok and view.failure is None and not view.contended:
            group.holds_shard_locks = group.holds_shard_locks or any(layer.appends.shards.values())
            group.layer.absorb(layer)
            self._key_locks.work_succeeded()
            group.uncommitted.append(outcome)
            group.bytes_written += view.bytes_written
            return
        if view.failure is not None and session.batched:
            # The failed statement may be an earlier work's deferred one. Rolling back to this work's savepoint
            # tells: it exists only if every statement sent before it succeeded.
            try:
                session.execute(f"ROLLBACK TO SAVEPOINT {savepoint}")
            except psycopg.Error:
                group.poisoned = True
                return
        elif not self._send_or_poison(session, group, f"ROLLBACK TO SAVEPOINT {savepoint}"):
            return
        self._key_locks.work_failed()
        if (view.contended or isinstance(view.failure, pg_errors.LockNotAvailable)) and job.attempts + 1 < MAX_ATTEMPTS:
            # Another transaction holds a lock this one wants, and this one holds locks of its own: rather than
            # wait (and maybe deadlock), commit what the group did; the work goes first in the next group.
            job.attempts += 1
            group.cut = job
        elif isinstance(view.failure, RETRIABLE) and job.attempts + 1 < MAX_ATTEMPTS:
            job.attempts += 1
            group.retry.append(job)
        else:
            if outcome.ok:  # the work swallowed a failed statement: its effects are gone, so it failed
                outcome = Outcome(job, False, StorageError(f"postgres: {view.failure or 'lock contention'}"))
            group.settled.append(outcome)

    @staticmethod
    def _send_or_poison(session: SqlSession, group: Group, statement: str) -> bool:
        """Sends a statement of the writer's own; batched, a failure surfacing here is an earlier work's
        (unknown which), so the group is poisoned. Unbatched, the group fails."""
        if not session.batched:
            session.send(statement)
            return True
        try:
            session.send(statement)
        except psycopg.Error:
            group.poisoned = True
            return False
        return True

    @staticmethod
    def _flush_counters(session: SqlSession, layer: Layer) -> None:
        # In key order, so that two processes flushing the same counters never wait for each other in a cycle.
        for table_id, (items, size_bytes) in sorted(layer.table_deltas.items()):
            if items or size_bytes:
                session.send(
                    "UPDATE table_counters SET item_count = item_count + %s, size_bytes = size_bytes + %s"
                    " WHERE table_id = %s",
                    (items, size_bytes, table_id),
                )
        for (table_id, index_name), (items, size_bytes) in sorted(layer.index_deltas.items()):
            session.send(
                "INSERT INTO index_counters (table_id, index_name, item_count, size_bytes) VALUES (%s, %s, %s, %s)"
                " ON CONFLICT (table_id, index_name) DO UPDATE SET"
                " item_count = index_counters.item_count + excluded.item_count,"
                " size_bytes = index_counters.size_bytes + excluded.size_bytes",
                (table_id, index_name, items, size_bytes),
            )
