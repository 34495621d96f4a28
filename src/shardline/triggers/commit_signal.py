"""Wake-on-commit: the server wraps its store so that every acknowledged write sets an asyncio event the
trigger runtime awaits. Storage stays unaware of triggers; the signal only says "something committed"."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from shardline.storage.backend import ReadView, StorageBackend, WriteView

T = TypeVar("T")


class CommitSignal:
    """Readers take a token before they look for news and await it after finding none, so a commit between
    the look and the wait is never missed."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def token(self) -> asyncio.Event:
        return self._event

    def notify(self) -> None:
        fired, self._event = self._event, asyncio.Event()
        fired.set()


class SignallingStorage:
    """A StorageBackend that notifies a CommitSignal after each write commits."""

    def __init__(self, inner: StorageBackend, signal: CommitSignal) -> None:
        self._inner = inner
        self._signal = signal

    @property
    def inner(self) -> StorageBackend:
        return self._inner

    async def read(self, work: Callable[[ReadView], T]) -> T:
        return await self._inner.read(work)

    async def write(self, work: Callable[[WriteView], T]) -> T:
        try:
            return await self._inner.write(work)
        finally:
            self._signal.notify()

    async def close(self) -> None:
        await self._inner.close()
