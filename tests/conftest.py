"""Fixtures shared by every test package: the throwaway PostgreSQL cluster (one per test process)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.postgres_cluster import PostgresCluster, binaries_missing, running_cluster


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    missing = binaries_missing()
    if missing is not None:
        pytest.skip(missing)
    with running_cluster() as cluster:
        yield cluster
