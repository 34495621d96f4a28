"""Consumer tests run against a real `shardline serve` (the library only speaks the public API): one server per
module, started with the stream flags the module needs (SERVER_FLAGS)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.wire.conftest import ServerProcess, make_client, start_server, stop_server, unique_name


@pytest.fixture(scope="module")
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    flags: tuple[str, ...] = getattr(request.module, "SERVER_FLAGS", ())
    running = start_server(tmp_path_factory.mktemp("data"), "--in-memory", *flags)
    yield running
    stop_server(running)


@pytest.fixture(scope="module")
def dynamodb(server: ServerProcess) -> Any:
    return make_client("dynamodb", server.endpoint)


@pytest.fixture(scope="module")
def streams(server: ServerProcess) -> Any:
    return make_client("dynamodbstreams", server.endpoint)


def create_stream_table(dynamodb: Any, view_type: str = "NEW_AND_OLD_IMAGES") -> tuple[str, str]:
    """A table with a string key `pk` and a stream; returns (table name, stream ARN)."""
    name = unique_name("orders")
    description = dynamodb.create_table(
        TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": view_type},
    )["TableDescription"]
    return name, description["LatestStreamArn"]
