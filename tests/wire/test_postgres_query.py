"""The Query wire tests again, against a server that keeps its data in PostgreSQL."""

from __future__ import annotations

from tests.postgres_cluster import adopt_wire_tests, postgres_server_fixtures
from tests.wire import test_query

adopt_wire_tests(globals(), test_query)
server, endpoint, dynamodb = postgres_server_fixtures()
