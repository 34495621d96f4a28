"""Scan: every item of a table or secondary index (or of one parallel-scan segment), a page at a time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shardline.expressions.compile import compile_expressions
from shardline.expressions.parameters import check_parameter_styles
from shardline.operations.context import OperationContext
from shardline.operations.items.item_request import validate_expression_values
from shardline.operations.reads.paging import page_capacity, page_response, read_page, storage_limit
from shardline.operations.reads.read_request import (
    ReadRequest,
    attributes_to_get,
    check_key_paths,
    legacy_filter,
)
from shardline.operations.reads.read_target import resolve_target
from shardline.operations.reads.segments import SegmentRequest, segment_request
from shardline.operations.reads.select import check_global_all_attributes, check_select, plan_output
from shardline.operations.reads.start_key import check_scan_start, position_of, validate_start_key_values
from shardline.operations.tables.lookup import require_table
from shardline.storage.backend import IndexKey, ItemKey, ReadView

NAME = "Scan"


@dataclass(frozen=True)
class ScanRequest:
    read: ReadRequest
    segment: SegmentRequest | None


def parse(body: Mapping[str, Any]) -> ScanRequest:
    """The checks that need no table, in AWS's order (dynalite's validations/scan.js, AWS-verified)."""
    check_parameter_styles(body, NAME)
    projection = attributes_to_get(body)
    scan_filter = legacy_filter(body, "ScanFilter")
    start_key = validate_start_key_values(body.get("ExclusiveStartKey"))
    segment = segment_request(body)
    compiled = compile_expressions(
        filter=body.get("FilterExpression"),
        projection=body.get("ProjectionExpression"),
        names=body.get("ExpressionAttributeNames"),
        values=validate_expression_values(body.get("ExpressionAttributeValues")),
    )
    # Scan words its Select conflicts plainly, without Query's "1 validation error detected: " (AWS-recorded).
    check_select(body)
    return ScanRequest(
        read=ReadRequest(
            table_name=body["TableName"],
            index_name=body.get("IndexName"),
            select=body.get("Select"),
            projection=compiled.projection if compiled.projection is not None else projection,
            filter=compiled.filter if compiled.filter is not None else scan_filter,
            filter_parameter="Filter Expression" if compiled.filter is not None else "ScanFilter",
            limit=body.get("Limit"),
            consistent_read=bool(body.get("ConsistentRead", False)),
            return_consumed_capacity=body.get("ReturnConsumedCapacity"),
            start_key=start_key,
        ),
        segment=segment,
    )


def execute(view: ReadView, scan: ScanRequest) -> dict[str, Any]:
    """Runs inside one read snapshot: table checks in AWS's order (dynalite's actions/scan.js), then one page."""
    request = scan.read
    table = require_table(view, request.table_name)
    target = resolve_target(
        table,
        request.index_name,
        consistent_read=request.consistent_read,
        has_start_key=request.start_key is not None,
        start_key_first=True,
    )
    start = None
    if request.start_key is not None:
        check_scan_start(target, request.start_key)
    check_global_all_attributes(target, request.select)
    if request.start_key is not None:
        start = position_of(target, request.start_key)
        if scan.segment is not None:
            scan.segment.check_start(start.partition)
    check_key_paths(target, request)
    plan = plan_output(target, request.select, request.projection, request.filter)

    hash_segment = None if scan.segment is None else scan.segment.hash_segment()
    limit = storage_limit(request.limit)
    table_id = table.table_id
    if target.index is None:
        item_start = start if isinstance(start, ItemKey) else None
        page = read_page(
            target,
            view.scan_items(table_id, item_start, limit, hash_segment),
            limit=request.limit,
            filter=request.filter,
            plan=plan,
            consistent_read=request.consistent_read,
        )
    else:
        index_start = start if isinstance(start, IndexKey) else None
        page = read_page(
            target,
            view.scan_index(table_id, target.index.name, index_start, limit, hash_segment),
            limit=request.limit,
            filter=request.filter,
            plan=plan,
            consistent_read=request.consistent_read,
            fetch=lambda position: view.get_item(table_id, position.base),
        )
    capacity = page_capacity(target, page, request.consistent_read, request.return_consumed_capacity)
    return page_response(page, plan, capacity)


async def run(ctx: OperationContext, body: dict[str, Any]) -> dict[str, Any]:
    scan = parse(body)
    return await ctx.storage.read(lambda view: execute(view, scan))
