"""Runs data-plane operations in-process over an in-memory SqliteBackend with a FakeClock."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from shardline.clock import FakeClock
from shardline.operations.context import OperationContext
from shardline.operations.tables import create_table
from shardline.settings import Settings
from shardline.storage.sqlite.backend import SqliteBackend

CASES = Path(__file__).parent / "cases"


def load_cases(file_name: str) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = json.loads((CASES / file_name).read_text(encoding="utf-8"))
    return cases


def table_request(name: str, *, sort_key: str | None = None, local_index: str | None = None) -> dict[str, Any]:
    """A CreateTable body: string partition key `pk`, optionally a numeric sort key and a local index
    on the string attribute `alt`."""
    keys = [{"AttributeName": "pk", "KeyType": "HASH"}]
    attributes = [{"AttributeName": "pk", "AttributeType": "S"}]
    if sort_key is not None:
        keys.append({"AttributeName": sort_key, "KeyType": "RANGE"})
        attributes.append({"AttributeName": sort_key, "AttributeType": "N"})
    body: dict[str, Any] = {"TableName": name, "KeySchema": keys, "BillingMode": "PAY_PER_REQUEST"}
    if local_index is not None:
        attributes.append({"AttributeName": "alt", "AttributeType": "S"})
        body["LocalSecondaryIndexes"] = [
            {
                "IndexName": local_index,
                "KeySchema": [keys[0], {"AttributeName": "alt", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ]
    body["AttributeDefinitions"] = attributes
    return body


class DataPlane:
    """Calls operation modules the way the protocol layer does: run(ctx, body) -> response."""

    def __init__(self, loop: asyncio.AbstractEventLoop, context: OperationContext, clock: FakeClock) -> None:
        self.loop = loop
        self.context = context
        self.clock = clock

    def call(self, module: ModuleType, body: dict[str, Any]) -> dict[str, Any]:
        response: dict[str, Any] = self.loop.run_until_complete(module.run(self.context, body))
        return response

    def create(self, name: str, **options: Any) -> None:
        self.call(create_table, table_request(name, **options))


@pytest.fixture
def plane() -> Iterator[DataPlane]:
    loop = asyncio.new_event_loop()
    backend = SqliteBackend.open(None)
    clock = FakeClock(1_700_000_000.0)
    context = OperationContext(backend, clock, Settings(region="us-east-1", account_id="123456789012"), "req-1")
    try:
        yield DataPlane(loop, context, clock)
    finally:
        loop.run_until_complete(backend.close())
        loop.close()
