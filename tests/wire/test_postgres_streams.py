"""The Streams wire tests (API and lifecycle) again, against a server that keeps its data in PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.postgres_cluster import PostgresCluster, adopt_wire_tests, postgres_server_fixtures
from tests.wire import test_streams_api, test_streams_lifecycle

adopt_wire_tests(globals(), test_streams_api, test_streams_lifecycle)
server, endpoint, dynamodb = postgres_server_fixtures()


@pytest.fixture(scope="module")
def backend_flags(postgres_cluster: PostgresCluster) -> Callable[[], tuple[str, ...]]:
    """The lifecycle tests start servers of their own (short rollover, retention, throttling, a SIGKILL): each
    on a fresh database of the session's cluster here."""
    return lambda: ("--postgres", postgres_cluster.url(postgres_cluster.create_database("life")))
