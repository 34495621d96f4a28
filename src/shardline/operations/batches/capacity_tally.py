"""ConsumedCapacity of multi-table operations: units summed per table, reported as a list in the order the
tables were first charged (BatchGetItem, BatchWriteItem, TransactGetItems, TransactWriteItems)."""

from __future__ import annotations

from typing import Any

READ_UNITS = "ReadCapacityUnits"
WRITE_UNITS = "WriteCapacityUnits"


class CapacityTally:
    """Per-table unit totals. `unit_kind` (READ_UNITS or WRITE_UNITS) is repeated beside CapacityUnits:
    the transactional operations report which kind of units they consumed, the batch operations do not."""

    def __init__(self, unit_kind: str | None = None) -> None:
        self._unit_kind = unit_kind
        self._units: dict[str, float] = {}

    def add(self, table_name: str, units: float) -> None:
        self._units[table_name] = self._units.get(table_name, 0.0) + units

    def units(self, table_name: str) -> float:
        return self._units.get(table_name, 0.0)

    def render(self, mode: str | None) -> list[dict[str, Any]] | None:
        """The wire ConsumedCapacity list, or None unless mode is TOTAL or INDEXES."""
        if mode not in ("TOTAL", "INDEXES"):
            return None
        rendered: list[dict[str, Any]] = []
        for table_name, units in self._units.items():
            figures: dict[str, Any] = {"CapacityUnits": units}
            if self._unit_kind is not None:
                figures[self._unit_kind] = units
            entry: dict[str, Any] = {"TableName": table_name, **figures}
            if mode == "INDEXES":
                entry["Table"] = dict(figures)
            rendered.append(entry)
        return rendered

    def add_to(self, response: dict[str, Any], mode: str | None) -> dict[str, Any]:
        rendered = self.render(mode)
        if rendered is not None:
            response["ConsumedCapacity"] = rendered
        return response
