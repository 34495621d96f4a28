"""BatchGetItem: up to 100 keys across tables, read from one snapshot, at most 16 MB per response."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shardline.errors import ValidationException
from shardline.expressions.ast import Projection
from shardline.expressions.compile import compile_expressions
from shardline.expressions.legacy import projection_from_attributes_to_get
from shardline.expressions.parameters import check_parameter_styles
from shardline.expressions.projection import project
from shardline.operations.batches.capacity_tally import CapacityTally
from shardline.operations.batches.item_keys import DUPLICATE_KEYS, key_fingerprint, key_of_key
from shardline.operations.capacity import read_units
from shardline.operations.context import OperationContext
from shardline.operations.tables.lookup import require_table
from shardline.storage.backend import ItemKey, ReadView, StoredTable
from shardline.values.attribute_value import validate_item
from shardline.values.item_size import item_size
from shardline.values.types import Item

NAME = "BatchGetItem"

MAX_KEYS = 100
# AWS stops reading once the items of one response pass 16 MB and hands the rest back as UnprocessedKeys.
MAX_RESPONSE_BYTES = 16 * 1024 * 1024
TOO_MANY_KEYS = "Too many items requested for the BatchGetItem call"

# The per-table parameters an UnprocessedKeys entry repeats beside its Keys.
_TABLE_PARAMETERS = ("AttributesToGet", "ConsistentRead", "ProjectionExpression", "ExpressionAttributeNames")


@dataclass(frozen=True)
class TableRequest:
    """What one RequestItems entry asks of one table."""

    table_name: str
    keys: tuple[Item, ...]
    projection: Projection | None
    consistent_read: bool
    parameters: Mapping[str, Any]


@dataclass(frozen=True)
class Request:
    tables: tuple[TableRequest, ...]
    return_consumed_capacity: str | None


@dataclass
class TableResult:
    table: StoredTable
    items: list[Item]
    unprocessed: list[Item]


def _parse_table(table_name: str, body: Mapping[str, Any], counted: int) -> tuple[TableRequest, int]:
    """AWS's order within one table: parameter styles, AttributesToGet duplicates, the expressions,
    then each key's values, duplicates among the keys and the running count of keys."""
    check_parameter_styles(body, NAME)
    attributes_to_get = body.get("AttributesToGet")
    projection = projection_from_attributes_to_get(attributes_to_get) if attributes_to_get is not None else None
    compiled = compile_expressions(
        projection=body.get("ProjectionExpression"), names=body.get("ExpressionAttributeNames")
    )
    if compiled.projection is not None:
        projection = compiled.projection
    keys: list[Item] = []
    seen: set[bytes] = set()
    for raw in body["Keys"]:
        key = validate_item(raw)
        fingerprint = key_fingerprint(key)
        if fingerprint in seen:
            raise ValidationException(DUPLICATE_KEYS)
        seen.add(fingerprint)
        keys.append(key)
        counted += 1
        if counted > MAX_KEYS:
            raise ValidationException(TOO_MANY_KEYS)
    parameters = {name: body[name] for name in _TABLE_PARAMETERS if name in body}
    request = TableRequest(
        table_name=table_name,
        keys=tuple(keys),
        projection=projection,
        consistent_read=bool(body.get("ConsistentRead", False)),
        parameters=parameters,
    )
    return request, counted


def parse(body: Mapping[str, Any]) -> Request:
    tables: list[TableRequest] = []
    counted = 0
    for table_name, table_body in body["RequestItems"].items():
        table_request, counted = _parse_table(table_name, table_body, counted)
        tables.append(table_request)
    return Request(tuple(tables), body.get("ReturnConsumedCapacity"))


def _locate(view: ReadView, request: TableRequest) -> tuple[StoredTable, list[ItemKey]]:
    table = require_table(view, request.table_name)
    encoded: list[ItemKey] = []
    seen: set[ItemKey] = set()
    for key in request.keys:
        located = key_of_key(table, key)
        if located.key in seen:
            raise ValidationException(DUPLICATE_KEYS)
        seen.add(located.key)
        encoded.append(located.key)
    return table, encoded


def read(view: ReadView, request: Request, tally: CapacityTally) -> list[TableResult]:
    """Every table and key is checked before anything is read; then keys are read in request order
    until the response budget is spent, the rest staying unprocessed."""
    located = [_locate(view, table_request) for table_request in request.tables]
    results: list[TableResult] = []
    budget = MAX_RESPONSE_BYTES
    exhausted = False
    for table_request, (table, keys) in zip(request.tables, located, strict=True):
        result = TableResult(table, [], [])
        results.append(result)
        for raw_key, key in zip(table_request.keys, keys, strict=True):
            item = None if exhausted else view.get_item(table.table_id, key)
            size = item_size(item) if item is not None else None
            if exhausted or (size or 0) > budget:
                # The first item that does not fit ends the response: it and every later key wait.
                exhausted = True
                result.unprocessed.append(raw_key)
                continue
            budget -= size or 0
            tally.add(table.name, read_units(size, consistent=table_request.consistent_read))
            if item is not None:
                result.items.append(project(table_request.projection, item) if table_request.projection else item)
    return results


async def run(ctx: OperationContext, body: dict[str, Any]) -> dict[str, Any]:
    request = parse(body)
    tally = CapacityTally()
    results = await ctx.storage.read(lambda view: read(view, request, tally))
    responses: dict[str, list[Item]] = {}
    unprocessed: dict[str, Any] = {}
    for table_request, result in zip(request.tables, results, strict=True):
        responses[table_request.table_name] = result.items
        if result.unprocessed:
            unprocessed[table_request.table_name] = {**table_request.parameters, "Keys": result.unprocessed}
    response: dict[str, Any] = {"Responses": responses, "UnprocessedKeys": unprocessed}
    return tally.add_to(response, request.return_consumed_capacity)
