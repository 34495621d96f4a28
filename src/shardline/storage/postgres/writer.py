"""The writer thread: one connection, pending works committed in groups (group commit).

Each group is one transaction; each work runs under its own SAVEPOINT, so a work that raises is undone
alone while the rest of the group commits, and results are handed back only after the COMMIT. A work that
loses a deadlock against another process (or a serialization failure) is rolled back to its savepoint and
run again in the next group, after this group's commit has released the locks it held.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import errors as pg_errors

from shardline.errors import StorageError
from shardline.storage.postgres.connections import connect_writer
from shardline.storage.postgres.key_locks import KeyLocks
from shardline.storage.postgres.pending import Layer, Pending
from shardline.storage.postgres.views import DefinitionCache, PostgresWriteView

logger = logging.getLogger(__name__)

# PostgreSQL keeps the ids of up to 64 subtransactions (one per work's savepoint) in shared memory; past that,
# every other session's snapshot overflows to pg_subtrans lookups while the group is open.
MAX_GROUP_WORKS = 60
MAX_GROUP_BYTES = 4 * 1024 * 1024
MAX_ATTEMPTS = 20
RECONNECT_DELAY_SECONDS = 0.5
RETRIABLE = (pg_errors.DeadlockDetected, pg_errors.SerializationFailure, pg_errors.LockNotAvailable)


@dataclass(eq=False)
class Job:
    work: Callable[[Any], Any]
    future: asyncio.Future[Any]
    loop: asyncio.AbstractEventLoop
    attempts: int = 0


@dataclass
class Outcome:
    job: Job
    ok: bool
    value: Any


def _settle(outcomes: list[Outcome]) -> None:
    for outcome in outcomes:
        future = outcome.job.future
        if future.done():  # the caller gave up (cancelled) while its work ran
            continue
        if outcome.ok:
            future.set_result(outcome.value)
        else:
            future.set_exception(outcome.value)


def deliver(outcomes: Iterable[Outcome]) -> None:
    """Answers the callers on their event loops: one wake-up per loop, not one per work."""
    by_loop: dict[asyncio.AbstractEventLoop, list[Outcome]] = {}
    for outcome in outcomes:
        by_loop.setdefault(outcome.job.loop, []).append(outcome)
    for loop, answered in by_loop.items():
        with contextlib.suppress(RuntimeError):  # the caller's loop is closed: nobody is waiting
            loop.call_soon_threadsafe(_settle, answered)


@dataclass
class Group:
    layer: Layer = field(default_factory=Layer)
    uncommitted: list[Outcome] = field(default_factory=list)
    settled: list[Outcome] = field(default_factory=list)
    retry: list[Job] = field(default_factory=list)
    bytes_written: int = 0


_STOP = object()


class PostgresWriter:
    def __init__(
        self, url: str, *, durable: bool, definitions: DefinitionCache,
        max_group_works: int = MAX_GROUP_WORKS, max_group_bytes: int = MAX_GROUP_BYTES,
    ) -> None:
        self._url = url
        self._durable = durable
        self._connection: psycopg.Connection[tuple[Any, ...]] | None = connect_writer(url, durable=durable)
        self._definitions = definitions
        self._max_group_works = max_group_works
        self._max_group_bytes = max_group_bytes
        self._key_locks = KeyLocks()
        self._queue: queue.SimpleQueue[Job | object] = queue.SimpleQueue()
        self._retry: deque[Job] = deque()
        self._accepting = True
        self._accept_lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="shardline-pg-writer", daemon=True)
        self._thread.start()

    def submit(self, work: Callable[[Any], Any]) -> asyncio.Future[Any]:
        loop = asyncio.get_running_loop()
        job = Job(work, loop.create_future(), loop)
        with self._accept_lock:
            if not self._accepting:
                raise StorageError("the store is closed")
            self._queue.put(job)
        return job.future

    def stop(self) -> None:
        with self._accept_lock:
            if self._accepting:
                self._accepting = False
                self._queue.put(_STOP)

    def join(self) -> None:
        self._thread.join()

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
            while True:
                try:
                    left = self._queue.get_nowait()
                except queue.Empty:
                    break
                if isinstance(left, Job):
                    deliver([Outcome(left, False, failed)])
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
        self._connection = connect_writer(self._url, durable=self._durable)
        return self._connection

    def _run_group(self, first: Job, stopping: bool) -> bool:
        """Runs one group starting with `first`, taking in pending works while it is under its bounds;
        returns whether the stop marker has been seen."""
        group = Group()
        try:
            connection = self._connect()
            cursor = connection.cursor()
        except (psycopg.Error, StorageError) as error:
            deliver([Outcome(first, False, StorageError(f"cannot start a write: {error}"))])
            return stopping
        processed: list[Job] = []
        job: Job | None = first
        # Statements without parameters share a round trip: the transaction's BEGIN goes with the first
        # SAVEPOINT, and each work's RELEASE with the next work's SAVEPOINT.
        opening = "BEGIN; SAVEPOINT work"
        try:
            while job is not None:
                processed.append(job)
                opening = self._run_write(cursor, job, group, opening)
                if len(processed) >= self._max_group_works or group.bytes_written >= self._max_group_bytes:
                    break
                job, stopping = self._following(stopping)
            # COMMIT also commits the last work's savepoint, which is left unreleased
            self._flush_counters(cursor, group.layer)
            cursor.execute("COMMIT")
        except psycopg.Error as error:
            logger.exception("write group failed")
            with contextlib.suppress(psycopg.Error):
                cursor.execute("ROLLBACK")
            # Every work of the group that had not failed on its own fails with it; works waiting for a
            # retry were rolled back already and still get it.
            failed = StorageError(f"write transaction failed: {error}")
            answered = {id(outcome.job) for outcome in group.settled} | {id(job) for job in group.retry}
            group.settled.extend(Outcome(job, False, failed) for job in processed if id(job) not in answered)
            group.uncommitted.clear()
        finally:
            self._key_locks.transaction_ended()
        self._retry.extend(group.retry)
        deliver([*group.uncommitted, *group.settled])
        return stopping

    def _run_write(self, cursor: psycopg.Cursor[tuple[Any, ...]], job: Job, group: Group, opening: str) -> str:
        """Runs one work under a savepoint that `opening` starts; returns what the next work's opening
        must begin with (the pending RELEASE of this work's savepoint, if it succeeded)."""
        # several statements in one string: never prepared (a prepared statement holds one)
        cursor.execute(opening, prepare=False)
        layer = Layer()
        view = PostgresWriteView(cursor, self._definitions, Pending(group.layer, layer), self._key_locks)
        outcome: Outcome
        try:
            outcome = Outcome(job, True, job.work(view))
        except Exception as error:
            outcome = Outcome(job, False, error)
        finally:
            view.close()
        if outcome.ok and view.failure is None:
            group.layer.absorb(layer)
            self._key_locks.work_succeeded()
            group.uncommitted.append(outcome)
            group.bytes_written += view.bytes_written
            return "RELEASE SAVEPOINT work; SAVEPOINT work"
        cursor.execute("ROLLBACK TO SAVEPOINT work; RELEASE SAVEPOINT work", prepare=False)
        self._key_locks.work_failed()
        if isinstance(view.failure, RETRIABLE) and job.attempts + 1 < MAX_ATTEMPTS:
            job.attempts += 1
            group.retry.append(job)
        else:
            if outcome.ok:  # the work swallowed a failed statement: its effects are gone, so it failed
                outcome = Outcome(job, False, StorageError(f"postgres: {view.failure}"))
            group.settled.append(outcome)
        return "SAVEPOINT work"

    @staticmethod
    def _flush_counters(cursor: psycopg.Cursor[tuple[Any, ...]], layer: Layer) -> None:
        # In key order, so that two processes flushing the same counters never wait for each other in a cycle.
        tables = [
            (items, size_bytes, table_id)
            for table_id, (items, size_bytes) in sorted(layer.table_deltas.items())
            if items or size_bytes
        ]
        if tables:
            cursor.executemany(
                "UPDATE table_counters SET item_count = item_count + %s, size_bytes = size_bytes + %s"
                " WHERE table_id = %s",
                tables,
            )
        indexes = [
            (table_id, index_name, items, size_bytes)
            for (table_id, index_name), (items, size_bytes) in sorted(layer.index_deltas.items())
        ]
        if indexes:
            cursor.executemany(
                "INSERT INTO index_counters (table_id, index_name, item_count, size_bytes) VALUES (%s, %s, %s, %s)"
                " ON CONFLICT (table_id, index_name) DO UPDATE SET"
                " item_count = index_counters.item_count + excluded.item_count,"
                " size_bytes = index_counters.size_bytes + excluded.size_bytes",
                indexes,
            )
