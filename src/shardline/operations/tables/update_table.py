"""UpdateTable: billing mode and throughput, streams, SSE, table class, deletion protection and GSI
create/update/delete. Changes apply at once; the response reports AWS's transitional statuses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shardline.errors import ValidationException
from shardline.operations.context import OperationContext
from shardline.operations.indexes.backfill import settle_small_index_jobs, start_index_jobs
from shardline.operations.indexes.statistics import IndexStatistics, index_statistics_of
from shardline.operations.streams.lifecycle import sync_stream
from shardline.operations.tables import specifications
from shardline.operations.tables.definition import PAY_PER_REQUEST, definition_of, describe
from shardline.operations.tables.index_validation import check_projection
from shardline.operations.tables.lookup import require_described_table
from shardline.operations.tables.specifications import (
    INVALID,
    IndexRequest,
    SseRequest,
    StreamRequest,
    ThroughputRequest,
)
from shardline.operations.tables.table_names import resolve_table_name
from shardline.operations.tables.table_updates import GsiUpdate, apply_update
from shardline.operations.tables.table_validation import check_capacity_bounds, check_sse
from shardline.settings import Settings
from shardline.storage.backend import StoredTable, WriteView

NAME = "UpdateTable"

# AWS lists the members that would have made the request an update, leaving out any the request has.
_CHANGE_MEMBERS = (
    "ProvisionedThroughput",
    "BillingMode",
    "UpdateStreamEnabled",
    "GlobalSecondaryIndexUpdates",
    "SSESpecification",
    "ReplicaUpdates",
    "MultiAccountReplicaReady",
    "ReplicaTransitRoleArn",
    "MultiRegionConsistency",
    "DeletionProtectionEnabled",
    "OnDemandThroughput",
    "WarmThroughput",
    "TableClass",
)
_GLOBAL_TABLE_MEMBERS = ("ReplicaUpdates", "GlobalTableWitnessUpdates")


@dataclass(frozen=True)
class Request:
    table_name: str
    attribute_types: tuple[tuple[str, str], ...] | None
    billing_mode: str | None
    throughput: ThroughputRequest | None
    gsi_updates: tuple[GsiUpdate, ...] | None
    stream: StreamRequest | None
    sse: SseRequest | None
    table_class: str | None
    deletion_protection: bool | None
    capacity_settings: bool  # OnDemandThroughput / WarmThroughput: accepted, nothing to enforce locally
    present: frozenset[str]

    def changes(self) -> dict[str, bool]:
        return {
            "throughput": self.throughput is not None,
            "billing": self.billing_mode is not None,
            "gsi": self.gsi_updates is not None,
            "stream": self.stream is not None,
            "sse": self.sse is not None,
            "table_class": self.table_class is not None,
            "deletion_protection": self.deletion_protection is not None,
            "capacity": self.capacity_settings,
        }


def _gsi_update(raw: Any) -> GsiUpdate:
    fields: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    actions = [action for action in ("Create", "Update", "Delete") if fields.get(action) is not None]
    if not actions:
        raise ValidationException(
            INVALID + "One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, "
            "GlobalSecondaryIndexUpdate.Delete must not be null"
        )
    if len(actions) > 1:
        raise ValidationException(
            INVALID
            + "Only one global secondary index action is allowed per GlobalSecondaryIndexUpdate object"
        )
    action = actions[0]
    detail = fields[action]
    name = str(detail.get("IndexName", ""))
    create: IndexRequest | None = specifications.index(detail) if action == "Create" else None
    return GsiUpdate(action, name, create, specifications.throughput(detail.get("ProvisionedThroughput")))


def parse(body: dict[str, Any], settings: Settings) -> Request:
    raw_updates = body.get("GlobalSecondaryIndexUpdates")
    raw_definitions = body.get("AttributeDefinitions")
    return Request(
        table_name=resolve_table_name(settings, str(body.get("TableName", ""))),
        attribute_types=None if raw_definitions is None else specifications.attribute_types(raw_definitions),
        billing_mode=body.get("BillingMode"),
        throughput=specifications.throughput(body.get("ProvisionedThroughput")),
        gsi_updates=None if raw_updates is None else tuple(_gsi_update(u) for u in raw_updates),
        stream=specifications.stream(body.get("StreamSpecification")),
        sse=specifications.sse(body.get("SSESpecification")),
        table_class=body.get("TableClass"),
        deletion_protection=body.get("DeletionProtectionEnabled"),
        capacity_settings=body.get("OnDemandThroughput") is not None
        or body.get("WarmThroughput") is not None,
        present=frozenset(key for key, value in body.items() if value is not None),
    )


def check(request: Request) -> None:
    global_table = [member for member in _GLOBAL_TABLE_MEMBERS if member in request.present]
    changes = request.changes()
    if not any(changes.values()) and not global_table:
        listed = [m for m in _CHANGE_MEMBERS if m not in request.present]
        raise ValidationException(f"At least one of {', '.join(listed[:-1])} or {listed[-1]} is required")
    if global_table:
        # Replicas need other regions; shardline serves one region, so it refuses rather than pretends.
        raise ValidationException(f"shardline does not support global table replicas: {global_table[0]}")
    others = sum(changes.values()) - 1
    for change, label in (
        ("sse", "Server-Side Encryption"),
        ("table_class", "TableClass"),
        ("deletion_protection", "DeletionProtection"),
    ):
        if changes[change] and others:
            raise ValidationException(
                INVALID + f"{label} modification must be the only operation in the request"
            )
    creates_or_deletes = any(u.action != "Update" for u in request.gsi_updates or ())
    if request.stream is not None and request.throughput is not None:
        raise ValidationException(INVALID + "You cannot modify stream status while updating table IOPS")
    if creates_or_deletes and request.throughput is not None:
        raise ValidationException(INVALID + "You cannot create or delete index while updating table IOPS")
    if creates_or_deletes and request.stream is not None:
        raise ValidationException(INVALID + "You cannot create or delete index while changing stream status")
    _check_stream(request.stream)
    if request.throughput is not None:
        if request.billing_mode == PAY_PER_REQUEST:
            raise ValidationException(
                INVALID + "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when "
                "BillingMode is PAY_PER_REQUEST"
            )
        check_capacity_bounds(request.throughput)
    check_sse(request.sse)
    _check_gsi_updates(request.gsi_updates)


def _check_stream(stream: StreamRequest | None) -> None:
    if stream is None:
        return
    if stream.enabled and stream.view_type is None:
        raise ValidationException(INVALID + "If stream is being enabled then UpdateViewType is required")
    if not stream.enabled and stream.view_type is not None:
        raise ValidationException(
            INVALID + "If stream is being disabled, then UpdateViewType must not be specified"
        )


def _check_gsi_updates(updates: tuple[GsiUpdate, ...] | None) -> None:
    if updates is None:
        return
    if not updates:
        raise ValidationException(INVALID + "List of GlobalSecondaryIndexUpdates is empty")
    seen: set[str] = set()
    for update in updates:
        if update.name in seen:
            raise ValidationException(
                INVALID + "Only one global secondary index update per index is allowed simultaneously. "
                f"Index: {update.name}"
            )
        seen.add(update.name)
        if update.create is not None:
            check_projection(update.create.projection)
        if update.throughput is not None:
            check_capacity_bounds(update.throughput)


async def run(ctx: OperationContext, body: dict[str, Any]) -> dict[str, Any]:
    request = parse(body, ctx.settings)
    check(request)
    now = ctx.clock.now()

    def update(view: WriteView) -> tuple[StoredTable, str, dict[str, str], IndexStatistics, StoredTable]:
        table = require_described_table(view, request.table_name)
        before = definition_of(table)
        outcome = apply_update(
            before,
            table.name,
            now,
            attribute_types=request.attribute_types,
            billing_mode=request.billing_mode,
            throughput=request.throughput,
            gsi_updates=request.gsi_updates or (),
            stream=request.stream,
            sse=request.sse,
            table_class=request.table_class,
            deletion_protection=request.deletion_protection,
            settings=ctx.settings,
        )
        view.update_table_definition(table.name, outcome.stored.to_json())
        if request.stream is not None:  # the stream opens or closes in the same transaction
            sync_stream(view, table, before.stream, outcome.stored, now, ctx.settings)
        if request.gsi_updates:
            settle_small_index_jobs(view, table.name)
        stats = index_statistics_of(view, table)
        # The response still lists indexes being deleted, in status DELETING.
        shown = StoredTable(
            table.name, table.table_id, outcome.described.to_json(), table.item_count, table.size_bytes
        )
        current = view.get_table(table.name)
        return shown, outcome.table_status, outcome.index_statuses, stats, current or table

    shown, status, index_statuses, stats, current = await ctx.storage.write(update)
    start_index_jobs(ctx.storage, current)
    return {
        "TableDescription": describe(
            shown, ctx.settings, table_status=status, index_statuses=index_statuses, index_stats=stats
        )
    }
