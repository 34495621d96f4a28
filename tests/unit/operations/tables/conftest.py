"""Runs control-plane operations in-process over an in-memory SqliteBackend with a FakeClock."""

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
from shardline.settings import Settings
from shardline.storage.sqlite.backend import SqliteBackend

CASES = Path(__file__).parent / "cases"


def load_cases(file_name: str) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = json.loads((CASES / file_name).read_text(encoding="utf-8"))
    return cases


class ControlPlane:
    """Calls operation modules the way the protocol layer does: run(ctx, body) -> response."""

    def __init__(self, loop: asyncio.AbstractEventLoop, context: OperationContext, clock: FakeClock) -> None:
        self.loop = loop
        self.context = context
        self.clock = clock

    def call(self, module: ModuleType, body: dict[str, Any]) -> dict[str, Any]:
        response: dict[str, Any] = self.loop.run_until_complete(module.run(self.context, body))
        return response


@pytest.fixture
def plane() -> Iterator[ControlPlane]:
    loop = asyncio.new_event_loop()
    backend = SqliteBackend.open(None)
    clock = FakeClock(1_700_000_000.25)
    context = OperationContext(
        backend, clock, Settings(region="us-east-1", account_id="123456789012"), "req-1"
    )
    try:
        yield ControlPlane(loop, context, clock)
    finally:
        loop.run_until_complete(backend.close())
        loop.close()
