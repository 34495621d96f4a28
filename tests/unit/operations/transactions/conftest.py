"""The in-process data plane of tests/unit/operations/batches, shared with the transaction tests."""

from __future__ import annotations

from tests.unit.operations.batches.conftest import DataPlane, plane

__all__ = ["DataPlane", "plane"]
