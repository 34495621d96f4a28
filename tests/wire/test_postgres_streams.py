"""The Streams wire tests (API and lifecycle) again, against a server that keeps its data in PostgreSQL."""

from __future__ import annotations

from tests.postgres_cluster import adopt_wire_tests, postgres_server_fixtures
from tests.wire import test_streams_api, test_streams_lifecycle

adopt_wire_tests(globals(), test_streams_api, test_streams_lifecycle)
server, endpoint, dynamodb = postgres_server_fixtures()
