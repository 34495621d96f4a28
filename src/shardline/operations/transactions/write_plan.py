"""The inside of a TransactWriteItems storage transaction: locate every action's item, refuse two actions on
one item, evaluate every condition and update against the items as they were, then either cancel with one
reason per action or apply all the changes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from shardline.errors import ValidationException
from shardline.expressions.evaluate import evaluate_condition
from shardline.expressions.update import apply_update
from shardline.operations.batches.capacity_tally import WRITE_UNITS, CapacityTally
from shardline.operations.batches.item_keys import key_of_item, key_of_key
from shardline.operations.capacity import IndexUnits, write_units
from shardline.operations.item_changes import ItemChange, apply_item_change
from shardline.operations.items.index_keys import check_index_keys
from shardline.operations.items.item_collection import item_collection_metrics
from shardline.operations.items.item_request import TableKey
from shardline.operations.items.update_item import check_key_untouched, only_removes
from shardline.operations.tables.lookup import require_table
from shardline.operations.transactions.actions import DELETE, PUT, UPDATE, WriteAction
from shardline.operations.transactions.cancellation import (
    NONE,
    PASSED,
    Reason,
    cancelled,
    condition_failed,
    validation_error,
)
from shardline.storage.backend import ItemKey, WriteView
from shardline.values.item_size import MAX_ITEM_BYTES, item_size
from shardline.values.types import Item

MULTIPLE_OPERATIONS = "Transaction request cannot include multiple operations on one item"
UPDATE_TOO_LARGE = "Item size to update has exceeded the maximum allowed size"
# The items of one transaction (TransactWriteItems or TransactGetItems) may total at most 4 MB. AWS's message
# for exceeding it is not recorded anywhere we could find; this is the limit as the API reference words it.
MAX_TRANSACTION_BYTES = 4 * 1024 * 1024
TRANSACTION_TOO_LARGE = "The aggregate size of the items in the transaction cannot exceed 4 MB."
# Transactional writes cost twice the units of the same standard writes (developer guide, transactions).
TRANSACTION_COST_FACTOR = 2


@dataclass
class Outcome:
    tally: CapacityTally = field(default_factory=lambda: CapacityTally(WRITE_UNITS))
    metrics: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


@dataclass(frozen=True)
class _Planned:
    """One action after evaluation: the reason it reports, and the change it would make."""

    reason: Reason
    old: Item | None
    new: Item | None
    new_size: int | None
    changes: bool


def locate(view: WriteView, action: WriteAction) -> TableKey:
    """The action's table (ResourceNotFoundException) and key (ValidationException), as AWS checks them
    before the transaction: these refuse the request rather than cancel it."""
    table = require_table(view, action.table_name)
    if action.kind == PUT:
        where = key_of_item(table, action.key_or_item)
        check_index_keys(table, action.key_or_item)
        return where
    where = key_of_key(table, action.key_or_item)
    if action.kind == UPDATE and action.update is not None:
        check_key_untouched(action.update, where.schema)
    return where


def check_aggregate_size(sizes: Iterable[int]) -> None:
    """Refuses the request (ValidationException, not a cancellation) when its items total over 4 MB."""
    if sum(sizes) > MAX_TRANSACTION_BYTES:
        raise ValidationException(TRANSACTION_TOO_LARGE)


def _touched_size(plan: _Planned) -> int:
    """What an action's item adds to the transaction's size: the item it writes (Put, Update), else the
    item it reads (Delete, ConditionCheck, or a write whose condition failed)."""
    if plan.new_size is not None:
        return plan.new_size
    return item_size(plan.old) if plan.old is not None else 0


def _check_distinct(places: Sequence[TableKey]) -> None:
    seen: set[tuple[str, ItemKey]] = set()
    for where in places:
        identity = (where.table_id, where.key)
        if identity in seen:
            raise ValidationException(MULTIPLE_OPERATIONS)
        seen.add(identity)


def _plan(action: WriteAction, where: TableKey, old: Item | None) -> _Planned:
    if action.condition is not None and not evaluate_condition(action.condition, old):
        return _Planned(condition_failed(old, action.return_old_on_failure), old, None, None, False)
    if action.kind == PUT:
        return _Planned(PASSED, old, action.key_or_item, action.item_size, True)
    if action.kind == UPDATE:
        return _plan_update(action, where, old)
    if action.kind == DELETE:
        return _Planned(PASSED, old, None, None, old is not None)
    return _Planned(PASSED, old, old, None, False)  # ConditionCheck


def _plan_update(action: WriteAction, where: TableKey, old: Item | None) -> _Planned:
    """An Update's result is only known against the current item, so its faults cancel the transaction
    with a ValidationError reason instead of refusing the request."""
    base = old if old is not None else dict(action.key_or_item)
    try:
        new = apply_update(action.update, base) if action.update is not None else base
        check_index_keys(where.table, new, updating=True)
    except ValidationException as invalid:
        return _Planned(validation_error(invalid.message), old, None, None, False)
    size = item_size(new)
    if size > MAX_ITEM_BYTES:
        return _Planned(validation_error(UPDATE_TOO_LARGE), old, None, None, False)
    if old is None and only_removes(action.update):
        # As UpdateItem: removing attributes from a missing item creates nothing.
        return _Planned(PASSED, None, None, None, False)
    return _Planned(PASSED, old, new, size, True)


def write(view: WriteView, actions: Sequence[WriteAction], now: float, collection_metrics_mode: str | None) -> Outcome:
    places = [locate(view, action) for action in actions]
    _check_distinct(places)
    planned = [
        _plan(action, where, view.get_item(where.table_id, where.key))
        for action, where in zip(actions, places, strict=True)
    ]
    check_aggregate_size(_touched_size(plan) for plan in planned)
    if any(plan.reason["Code"] != NONE for plan in planned):
        raise cancelled([plan.reason for plan in planned])
    outcome = Outcome()
    for action, where, plan in zip(actions, places, planned, strict=True):
        index_units: tuple[IndexUnits, ...] = ()
        if plan.changes:
            index_units = apply_item_change(
                view, ItemChange(where.table, where.key, plan.old, plan.new, now, plan.new_size)
            )
        old_size = item_size(plan.old) if plan.old is not None else None
        # A transactional write costs twice a plain one, on the table and on each index alike.
        outcome.tally.add(
            where.table.name,
            TRANSACTION_COST_FACTOR * write_units(plan.new_size, old_size),
            (replace(spent, units=TRANSACTION_COST_FACTOR * spent.units) for spent in index_units),
        )
        if action.writes:
            metrics = item_collection_metrics(where, action.key_or_item, collection_metrics_mode)
            if metrics is not None:
                outcome.metrics.setdefault(action.table_name, []).append(metrics)
    return outcome
