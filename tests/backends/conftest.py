"""Backend factories for the storage contract suite: every StorageBackend adapter must pass the same tests."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from shardline.storage.backend import StorageBackend
from shardline.storage.sqlite import SqliteBackend


@dataclass(frozen=True)
class BackendFactory:
    name: str
    persistent: bool  # reopening with the same directory finds the data again
    make: Callable[[Path], StorageBackend]

    def run(self, directory: Path, scenario: Callable[[StorageBackend], Awaitable[None]]) -> None:
        """Opens a backend, runs the scenario on a fresh event loop, and always closes the backend."""

        async def main() -> None:
            backend = self.make(directory)
            try:
                await scenario(backend)
            finally:
                await backend.close()

        asyncio.run(main())


FACTORIES = [
    BackendFactory("sqlite-memory", False, lambda directory: SqliteBackend.open(None)),
    BackendFactory("sqlite-file", True, lambda directory: SqliteBackend.open(directory / "store.db")),
    BackendFactory(
        "sqlite-file-relaxed", True,
        lambda directory: SqliteBackend.open(directory / "store.db", durable=False),
    ),
]


@pytest.fixture(params=FACTORIES, ids=[factory.name for factory in FACTORIES])
def factory(request: pytest.FixtureRequest) -> BackendFactory:
    chosen: BackendFactory = request.param
    return chosen


PERSISTENT = [factory for factory in FACTORIES if factory.persistent]


@pytest.fixture(params=PERSISTENT, ids=[factory.name for factory in PERSISTENT])
def persistent_factory(request: pytest.FixtureRequest) -> BackendFactory:
    chosen: BackendFactory = request.param
    return chosen
