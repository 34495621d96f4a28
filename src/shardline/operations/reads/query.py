"""Query: the items of one partition of a table or secondary index, in sort-key order, a page at a time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shardline.errors import ValidationException
from shardline.expressions.compile import compile_expressions
from shardline.expressions.key_condition import KeyCondition, bind_key_condition
from shardline.expressions.legacy import key_condition_from_key_conditions
from shardline.expressions.parameters import check_parameter_styles
from shardline.operations.context import OperationContext
from shardline.operations.items.item_request import validate_expression_values
from shardline.operations.reads.key_range import sort_key_range
from shardline.operations.reads.paging import page_capacity, page_response, read_page, storage_limit
from shardline.operations.reads.read_request import (
    ReadRequest,
    attributes_to_get,
    check_filter_names_no_key,
    check_key_paths,
    legacy_filter,
)
from shardline.operations.reads.read_target import resolve_target
from shardline.operations.reads.select import check_select, plan_output
from shardline.operations.reads.start_key import (
    check_query_start,
    check_query_start_shape,
    position_of,
    validate_start_key_values,
)
from shardline.operations.tables.lookup import require_table
from shardline.storage.backend import IndexKey, ItemKey, ReadView
from shardline.values.key_codec import encode_key_value

NAME = "Query"


@dataclass(frozen=True)
class QueryRequest:
    read: ReadRequest
    key_condition: KeyCondition
    forward: bool


def parse(body: Mapping[str, Any]) -> QueryRequest:
    """The checks that need no table, in AWS's order (dynalite's validations/query.js, AWS-verified)."""
    # Query reports its Select conflicts in the aggregated "N validation errors" form (AWS-recorded).
    check_select(body, message_prefix="1 validation error detected: ")
    check_parameter_styles(body, NAME)
    query_filter = legacy_filter(body, "QueryFilter")
    projection = attributes_to_get(body)
    start_key = validate_start_key_values(body.get("ExclusiveStartKey"))
    if body.get("KeyConditions") is None and body.get("KeyConditionExpression") is None:
        raise ValidationException(
            "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request."
        )
    compiled = compile_expressions(
        key_condition=body.get("KeyConditionExpression"),
        filter=body.get("FilterExpression"),
        projection=body.get("ProjectionExpression"),
        names=body.get("ExpressionAttributeNames"),
        values=validate_expression_values(body.get("ExpressionAttributeValues")),
    )
    key_condition = compiled.key_condition
    if key_condition is None:
        key_condition = key_condition_from_key_conditions(body["KeyConditions"])
    if len(key_condition.predicates) not in (1, 2):
        raise ValidationException("Conditions can be of length 1 or 2 only")
    filter_parameter = "Filter Expression" if compiled.filter is not None else "QueryFilter"
    return QueryRequest(
        read=ReadRequest(
            table_name=body["TableName"],
            index_name=body.get("IndexName"),
            select=body.get("Select"),
            projection=compiled.projection if compiled.projection is not None else projection,
            filter=compiled.filter if compiled.filter is not None else query_filter,
            filter_parameter=filter_parameter,
            limit=body.get("Limit"),
            consistent_read=bool(body.get("ConsistentRead", False)),
            return_consumed_capacity=body.get("ReturnConsumedCapacity"),
            start_key=start_key,
        ),
        key_condition=key_condition,
        forward=body.get("ScanIndexForward", True) is not False,
    )


def execute(view: ReadView, query: QueryRequest) -> dict[str, Any]:
    """Runs inside one read snapshot: table checks in AWS's order, then one page."""
    request = query.read
    table = require_table(view, request.table_name)
    target = resolve_target(table, request.index_name, consistent_read=request.consistent_read)
    if request.start_key is not None:
        check_query_start_shape(target, request.start_key)
    bound = bind_key_condition(query.key_condition, target.key_schema)
    if request.start_key is not None:
        check_query_start(target, request.start_key, bound)
    check_key_paths(target, request)
    check_filter_names_no_key(target, request)
    plan = plan_output(target, request.select, request.projection, request.filter)

    partition = encode_key_value(bound.partition_value)
    key_range = sort_key_range(bound.sort)
    limit = storage_limit(request.limit)
    start = None if request.start_key is None else position_of(target, request.start_key)
    table_id = table.table_id
    if target.index is None:
        item_start = start if isinstance(start, ItemKey) else None
        page = read_page(
            target,
            view.query_items(table_id, partition, key_range, query.forward, item_start, limit),
            limit=request.limit,
            filter=request.filter,
            plan=plan,
            consistent_read=request.consistent_read,
        )
    else:
        index_start = start if isinstance(start, IndexKey) else None
        entries = view.query_index(table_id, target.index.name, partition, key_range, query.forward, index_start, limit)
        page = read_page(
            target,
            entries,
            limit=request.limit,
            filter=request.filter,
            plan=plan,
            consistent_read=request.consistent_read,
            fetch=lambda position: view.get_item(table_id, position.base),
        )
    capacity = page_capacity(target, page, request.consistent_read, request.return_consumed_capacity)
    return page_response(page, plan, capacity)


async def run(ctx: OperationContext, body: dict[str, Any]) -> dict[str, Any]:
    query = parse(body)
    return await ctx.storage.read(lambda view: execute(view, query))
