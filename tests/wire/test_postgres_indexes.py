"""The secondary-index wire tests again, against a server that keeps its data in PostgreSQL."""

from __future__ import annotations

from tests.postgres_cluster import adopt_wire_tests, postgres_server_fixtures
from tests.wire import test_secondary_indexes

adopt_wire_tests(globals(), test_secondary_indexes)
server, endpoint, dynamodb = postgres_server_fixtures()
