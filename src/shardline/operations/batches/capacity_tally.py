"""ConsumedCapacity of multi-table operations: units summed per table, reported as a list in the order the
tables were first charged (BatchGetItem, BatchWriteItem, TransactGetItems, TransactWriteItems)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from shardline.operations.capacity import IndexUnits, render_index_units, sum_index_units

READ_UNITS = "ReadCapacityUnits"
WRITE_UNITS = "WriteCapacityUnits"


class CapacityTally:
    """Per-table unit totals. `unit_kind` (READ_UNITS or WRITE_UNITS) is repeated beside CapacityUnits:
    the transactional operations report which kind of units they consumed, the batch operations do not."""

    def __init__(self, unit_kind: str | None = None) -> None:
        self._unit_kind = unit_kind
        self._units: dict[str, float] = {}
        self._index_units: dict[str, list[IndexUnits]] = {}

    def add(self, table_name: str, units: float, indexes: Iterable[IndexUnits] = ()) -> None:
        """Charges units to the table itself and each IndexUnits to that index of the table."""
        self._units[table_name] = self._units.get(table_name, 0.0) + units
        spent = list(indexes)
        if spent:
            self._index_units.setdefault(table_name, []).extend(spent)

    def units(self, table_name: str) -> float:
        """The table's own units, without its indexes'."""
        return self._units.get(table_name, 0.0)

    def render(self, mode: str | None) -> list[dict[str, Any]] | None:
        """The wire ConsumedCapacity list, or None unless mode is TOTAL or INDEXES."""
        if mode not in ("TOTAL", "INDEXES"):
            return None
        rendered: list[dict[str, Any]] = []
        for table_name, units in self._units.items():
            per_index = sum_index_units(self._index_units.get(table_name, ()))
            entry: dict[str, Any] = {
                "TableName": table_name,
                **self._figures(units + sum(figure for _, figure in per_index.values())),
            }
            if mode == "INDEXES":
                entry["Table"] = self._figures(units)
                entry.update(render_index_units(per_index, self._unit_kind))
            rendered.append(entry)
        return rendered

    def _figures(self, units: float) -> dict[str, Any]:
        figures: dict[str, Any] = {"CapacityUnits": units}
        if self._unit_kind is not None:
            figures[self._unit_kind] = units
        return figures

    def add_to(self, response: dict[str, Any], mode: str | None) -> dict[str, Any]:
        rendered = self.render(mode)
        if rendered is not None:
            response["ConsumedCapacity"] = rendered
        return response
