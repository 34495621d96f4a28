"""The item write wire tests (PutItem, TransactWriteItems) again, against a server that keeps its data in
PostgreSQL."""

from __future__ import annotations

from tests.postgres_cluster import adopt_wire_tests, postgres_server_fixtures
from tests.wire import test_put_item, test_transact_write_items

adopt_wire_tests(globals(), test_put_item, test_transact_write_items)
server, endpoint, dynamodb = postgres_server_fixtures()
