"""CreateTable: validate a table definition in AWS's order and store it; the table is usable at once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from shardline.errors import ResourceInUseException
from shardline.operations.context import OperationContext
from shardline.operations.streams.lifecycle import sync_stream
from shardline.operations.tables import specifications
from shardline.operations.tables.arns import default_kms_key_id, kms_key_arn, stream_label
from shardline.operations.tables.definition import (
    PAY_PER_REQUEST,
    PROVISIONED,
    IndexDefinition,
    KeyElement,
    Projection,
    SseSettings,
    StreamPeriod,
    StreamSettings,
    TableDefinition,
    Throughput,
    describe,
)
from shardline.operations.tables.index_validation import check_global_indexes, check_local_indexes
from shardline.operations.tables.specifications import (
    IndexRequest,
    SseRequest,
    StreamRequest,
    ThroughputRequest,
)
from shardline.operations.tables.table_names import resolve_table_name
from shardline.operations.tables.table_validation import (
    check_billing,
    check_create_stream,
    check_definitions_used,
    check_required_lists,
    check_sse,
    check_table_key_schema,
)
from shardline.operations.tables.tag_rules import check_tags, merge_tags
from shardline.settings import Settings
from shardline.storage.backend import StoredTable, WriteView

NAME = "CreateTable"


@dataclass(frozen=True)
class Request:
    table_name: str
    attribute_types: tuple[tuple[str, str], ...]
    key_elements: tuple[KeyElement, ...]
    billing_mode: str
    throughput: ThroughputRequest | None
    local_indexes: tuple[IndexRequest, ...] | None
    global_indexes: tuple[IndexRequest, ...] | None
    stream: StreamRequest | None
    sse: SseRequest | None
    tags: tuple[tuple[str, str], ...]
    table_class: str | None
    deletion_protection: bool


def parse(body: dict[str, Any], settings: Settings) -> Request:
    check_required_lists(body.get("AttributeDefinitions"), body.get("KeySchema"))
    return Request(
        table_name=resolve_table_name(settings, str(body.get("TableName", ""))),
        attribute_types=specifications.attribute_types(body.get("AttributeDefinitions")),
        key_elements=specifications.key_elements(body.get("KeySchema")),
        billing_mode=str(body.get("BillingMode") or PROVISIONED),
        throughput=specifications.throughput(body.get("ProvisionedThroughput")),
        local_indexes=specifications.indexes(body.get("LocalSecondaryIndexes")),
        global_indexes=specifications.indexes(body.get("GlobalSecondaryIndexes")),
        stream=specifications.stream(body.get("StreamSpecification")),
        sse=specifications.sse(body.get("SSESpecification")),
        tags=specifications.tags(body.get("Tags")),
        table_class=body.get("TableClass"),
        deletion_protection=bool(body.get("DeletionProtectionEnabled", False)),
    )


def check(request: Request) -> None:
    check_billing(request.billing_mode, request.throughput)
    has_indexes = request.local_indexes is not None or request.global_indexes is not None
    check_table_key_schema(request.key_elements, request.attribute_types, has_indexes)
    defined = [name for name, _ in request.attribute_types]
    index_names: set[str] = set()
    if request.local_indexes is not None:
        check_local_indexes(request.local_indexes, request.key_elements, defined, index_names)
    if request.global_indexes is not None:
        check_global_indexes(request.global_indexes, defined, request.billing_mode, index_names)
    if has_indexes:
        check_definitions_used(request.attribute_types, _key_names_used(request))
    check_create_stream(request.stream)
    check_sse(request.sse)
    check_tags(request.tags)
    merge_tags((), request.tags)


def _key_names_used(request: Request) -> list[str]:
    used: list[str] = []
    every_index = (request.local_indexes or ()) + (request.global_indexes or ())
    for elements in (request.key_elements, *(index.key_elements for index in every_index)):
        for element in elements:
            if element.name not in used:
                used.append(element.name)
    return used


def build_index(index: IndexRequest, *, is_global: bool, billing_mode: str, now: float) -> IndexDefinition:
    throughput: Throughput | None = None
    if is_global:
        # On-demand GSIs describe their throughput as 0/0, like the table.
        units = index.throughput if billing_mode == PROVISIONED else None
        throughput = Throughput(units.read, units.write) if units is not None else Throughput(0, 0)
    return IndexDefinition(
        name=index.name,
        is_global=is_global,
        key_elements=index.key_elements,
        projection=Projection(
            str(index.projection.projection_type), index.projection.non_key_attributes or ()
        ),
        throughput=throughput,
        created_at=now,
    )


def build_definition(request: Request, settings: Settings, now: float) -> TableDefinition:
    on_demand = request.billing_mode == PAY_PER_REQUEST
    units = request.throughput
    indexes = tuple(
        build_index(index, is_global=False, billing_mode=request.billing_mode, now=now)
        for index in request.local_indexes or ()
    ) + tuple(
        build_index(index, is_global=True, billing_mode=request.billing_mode, now=now)
        for index in request.global_indexes or ()
    )
    stream = StreamSettings()
    if request.stream is not None and request.stream.enabled and request.stream.view_type is not None:
        view_type = request.stream.view_type
        stream = StreamSettings(True, view_type, (StreamPeriod(stream_label(now), view_type, now),))
    sse = None
    if request.sse is not None and request.sse.enabled:
        sse = SseSettings(kms_key_arn(settings, request.sse.kms_key_id or default_kms_key_id(settings)))
    return TableDefinition(
        attribute_types=request.attribute_types,
        key_elements=request.key_elements,
        created_at=now,
        billing_mode=request.billing_mode,
        throughput=Throughput(units.read, units.write)
        if units is not None and not on_demand
        else Throughput(0, 0),
        pay_per_request_since=now if on_demand else None,
        indexes=indexes,
        stream=stream,
        sse=sse,
        table_class=request.table_class,
        deletion_protection=request.deletion_protection,
        tags=request.tags,
    )


async def run(ctx: OperationContext, body: dict[str, Any]) -> dict[str, Any]:
    request = parse(body, ctx.settings)
    check(request)
    definition = build_definition(request, ctx.settings, ctx.clock.now())
    table = StoredTable(request.table_name, str(uuid.uuid4()), definition.to_json())

    def create(view: WriteView) -> None:
        if view.get_table(request.table_name) is not None:
            raise ResourceInUseException(f"Table already exists: {request.table_name}")
        view.create_table(table)
        sync_stream(view, table, StreamSettings(), definition, definition.created_at, ctx.settings)

    await ctx.storage.write(create)
    statuses = {index.name: "CREATING" for index in definition.indexes if index.is_global}
    return {
        "TableDescription": describe(table, ctx.settings, table_status="CREATING", index_statuses=statuses)
    }
