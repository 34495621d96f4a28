"""What the two writer threads share: the queue callers submit works to (submit, stop, join), a queued work and
its outcome, and answering callers on their own event loops."""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from shardline.errors import StorageError

STOP = object()  # queued by stop(): the works queued before it still run


@dataclass(eq=False)
class QueuedWork:
    """A caller's work; each writer's Job adds what its own loop needs to know of it."""

    work: Callable[[Any], Any]
    future: asyncio.Future[Any]
    loop: asyncio.AbstractEventLoop


@dataclass
class Outcome:
    job: QueuedWork
    ok: bool
    value: Any


def _settle(outcomes: list[Outcome]) -> None:
    for outcome in outcomes:
        future = outcome.job.future
        if future.done():  # the caller gave up (cancelled) while its work ran, or was already answered
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
        # RuntimeError: the caller's event loop is closed, so nobody is waiting any more
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(_settle, answered)


class WorkQueue(ABC):
    """The callers' side of a writer thread. A subclass sets up its state after `__init__`, then calls
    `_start`; its `_run` takes works from `_queue` until it meets STOP."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[QueuedWork | object] = queue.SimpleQueue()
        self._accepting = True
        self._accept_lock = threading.Lock()

    def _start(self, thread_name: str) -> None:
        self._thread = threading.Thread(target=self._run, name=thread_name, daemon=True)
        self._thread.start()

    @abstractmethod
    def _run(self) -> None:
        """The writer thread's loop."""

    def _accept(self, job: QueuedWork) -> asyncio.Future[Any]:
        with self._accept_lock:
            if not self._accepting:
                raise StorageError("the store is closed")
            self._queue.put(job)
        return job.future

    def stop(self) -> None:
        """Stops accepting works; those already accepted still run and commit."""
        with self._accept_lock:
            if self._accepting:
                self._accepting = False
                self._queue.put(STOP)

    def join(self) -> None:
        self._thread.join()

    def _fail_queued(self, error: StorageError) -> None:
        """After the writer itself failed: answers every work still queued with `error`."""
        while True:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                return
            if isinstance(job, QueuedWork):
                deliver([Outcome(job, False, error)])
