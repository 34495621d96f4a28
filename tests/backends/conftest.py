"""Backend factories for the storage contract suite: every StorageBackend adapter must pass the same tests."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from shardline.storage.backend import StorageBackend
from shardline.storage.sqlite import SqliteBackend
from tests.postgres_cluster import PostgresCluster


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


class _PostgresStores:
    """Opens PostgresBackends on the session's cluster: one schema per test directory, so a test that
    reopens its directory finds its data again, and tests never see each other's tables."""

    cluster: PostgresCluster | None = None

    def open(self, directory: Path) -> StorageBackend:
        from shardline.storage.postgres import PostgresBackend

        if self.cluster is None:
            raise RuntimeError("the postgres factory needs the postgres_cluster fixture")
        schema = "contract_" + hashlib.sha1(str(directory).encode()).hexdigest()[:16]
        import psycopg

        with psycopg.connect(self.cluster.url(), autocommit=True) as connection:
            connection.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        return PostgresBackend.open(self.cluster.url(schema=schema), readers=2)


POSTGRES_STORES = _PostgresStores()

FACTORIES = [
    BackendFactory("sqlite-memory", False, lambda directory: SqliteBackend.open(None)),
    BackendFactory("sqlite-file", True, lambda directory: SqliteBackend.open(directory / "store.db")),
    BackendFactory(
        "sqlite-file-relaxed", True,
        lambda directory: SqliteBackend.open(directory / "store.db", durable=False),
    ),
    BackendFactory("postgres", True, POSTGRES_STORES.open),
]


def _chosen(request: pytest.FixtureRequest) -> BackendFactory:
    chosen: BackendFactory = request.param
    if chosen.name == "postgres":
        POSTGRES_STORES.cluster = request.getfixturevalue("postgres_cluster")
    return chosen


@pytest.fixture(params=FACTORIES, ids=[factory.name for factory in FACTORIES])
def factory(request: pytest.FixtureRequest) -> BackendFactory:
    return _chosen(request)


PERSISTENT = [factory for factory in FACTORIES if factory.persistent]


@pytest.fixture(params=PERSISTENT, ids=[factory.name for factory in PERSISTENT])
def persistent_factory(request: pytest.FixtureRequest) -> BackendFactory:
    return _chosen(request)
