"""UpdateTable's changes applied to a TableDefinition, with the rules that depend on the table's state."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from shardline.errors import LimitExceededException, ValidationException
from shardline.operations.tables.arns import default_kms_key_id, kms_key_arn, stream_label
from shardline.operations.tables.definition import (
    PAY_PER_REQUEST,
    PROVISIONED,
    IndexDefinition,
    Projection,
    SseSettings,
    StreamPeriod,
    StreamSettings,
    TableDefinition,
    Throughput,
)
from shardline.operations.tables.index_validation import MAX_GLOBAL_INDEXES
from shardline.operations.tables.specifications import (
    INVALID,
    IndexRequest,
    SseRequest,
    StreamRequest,
    ThroughputRequest,
)
from shardline.operations.tables.table_validation import check_key_elements
from shardline.settings import Settings


@dataclass(frozen=True)
class GsiUpdate:
    action: str  # Create, Update or Delete
    name: str
    create: IndexRequest | None
    throughput: ThroughputRequest | None


@dataclass(frozen=True)
class UpdateOutcome:
    stored: TableDefinition  # what the table is now
    described: TableDefinition  # what the response shows (deleted indexes still listed)
    table_status: str
    index_statuses: dict[str, str]


def apply_update(
    definition: TableDefinition,
    table_name: str,
    now: float,
    *,
    attribute_types: tuple[tuple[str, str], ...] | None,
    billing_mode: str | None,
    throughput: ThroughputRequest | None,
    gsi_updates: Sequence[GsiUpdate],
    stream: StreamRequest | None,
    sse: SseRequest | None,
    table_class: str | None,
    deletion_protection: bool | None,
    settings: Settings,
) -> UpdateOutcome:
    updated = definition
    if stream is not None:
        updated = _update_stream(updated, table_name, stream, now)
    if billing_mode is not None or throughput is not None:
        updated = _update_billing(updated, billing_mode, throughput, gsi_updates, now)
    _check_online_index_limit(definition, gsi_updates)
    statuses: dict[str, str] = {}
    deleted: list[IndexDefinition] = []
    for update in gsi_updates:
        updated, removed = _apply_gsi_update(updated, update, attribute_types, now)
        statuses[update.name] = {"Create": "CREATING", "Update": "UPDATING", "Delete": "DELETING"}[
            update.action
        ]
        deleted.extend(removed)
    if deleted:
        updated = replace(updated, attribute_types=used_attribute_types(updated))
    if sse is not None:
        updated = _update_sse(updated, sse, settings)
    if table_class is not None:
        updated = replace(updated, table_class=table_class, table_class_updated_at=now)
    if deletion_protection is not None:
        updated = replace(updated, deletion_protection=deletion_protection)
    described = replace(updated, indexes=updated.indexes + tuple(deleted)) if deleted else updated
    only_index_updates = bool(gsi_updates) and all(u.action == "Update" for u in gsi_updates)
    table_changed = any(
        x is not None for x in (stream, billing_mode, throughput, sse, table_class, deletion_protection)
    )
    status = "ACTIVE" if only_index_updates and not table_changed else "UPDATING"
    return UpdateOutcome(updated, described, status, statuses)


def _check_online_index_limit(definition: TableDefinition, gsi_updates: Sequence[GsiUpdate]) -> None:
    # AWS builds or removes one GSI of a table at a time, counting those still CREATING or DELETING.
    # Deleting the index that is being built is allowed, so indexes are counted by name.
    busy = {index.name for index in definition.indexes if index.status in ("CREATING", "DELETING")}
    busy.update(update.name for update in gsi_updates if update.action != "Update")
    if len(busy) > 1:
        raise LimitExceededException(
            "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table"
        )


def _update_stream(
    definition: TableDefinition, table_name: str, stream: StreamRequest, now: float
) -> TableDefinition:
    current = definition.stream
    if stream.enabled:
        if current.enabled:
            raise ValidationException(f"Table already has an enabled stream: TableName: {table_name}")
        view_type = str(stream.view_type)
        label = stream_label(now)
        if current.latest is not None and label <= current.latest.label:
            # a label names one stream of the table: a re-enable in the same millisecond takes the next one
            label = stream_label(max(now, current.latest.enabled_at) + 0.001)
        period = StreamPeriod(label, view_type, now)
        return replace(definition, stream=StreamSettings(True, view_type, (*current.periods, period)))
    if not current.enabled:
        raise ValidationException(f"Table has no stream to disable: TableName: {table_name}")
    periods = (*current.periods[:-1], replace(current.periods[-1], disabled_at=now))
    return replace(definition, stream=StreamSettings(False, None, periods))


def _with_units(current: Throughput, units: ThroughputRequest, now: float) -> Throughput:
    increased = units.read > current.read or units.write > current.write
    decreased = units.read < current.read or units.write < current.write
    return Throughput(
        read=units.read,
        write=units.write,
        last_increase=now if increased else current.last_increase,
        last_decrease=now if decreased else current.last_decrease,
        decreases_today=current.decreases_today + (1 if decreased else 0),
    )


def _update_billing(
    definition: TableDefinition,
    billing_mode: str | None,
    throughput: ThroughputRequest | None,
    gsi_updates: Sequence[GsiUpdate],
    now: float,
) -> TableDefinition:
    target = billing_mode or definition.billing_mode
    if target == PAY_PER_REQUEST:
        if throughput is not None:
            raise ValidationException(
                INVALID + "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when "
                "BillingMode is PAY_PER_REQUEST"
            )
        if definition.billing_mode == PAY_PER_REQUEST:
            return definition
        indexes = tuple(
            replace(index, throughput=Throughput(0, 0)) if index.is_global else index
            for index in definition.indexes
        )
        return replace(
            definition,
            billing_mode=PAY_PER_REQUEST,
            throughput=Throughput(0, 0),
            pay_per_request_since=now,
            indexes=indexes,
        )
    if definition.billing_mode == PAY_PER_REQUEST:
        if throughput is None:
            raise ValidationException(
                INVALID + "ProvisionedThroughput must be specified when BillingMode is PROVISIONED"
            )
        given = {u.name for u in gsi_updates if u.action == "Update" and u.throughput is not None}
        for index in definition.indexes:
            if index.is_global and index.name not in given:
                raise ValidationException(
                    INVALID + f"ProvisionedThroughput must be specified for index: {index.name}"
                )
        return replace(
            definition, billing_mode=PROVISIONED, throughput=_with_units(Throughput(0, 0), throughput, now)
        )
    if throughput is None:
        return definition
    current = definition.throughput
    if throughput.read == current.read and throughput.write == current.write:
        raise ValidationException(
            "The provisioned throughput for the table will not change. The requested value equals the "
            f"current value. Current ReadCapacityUnits provisioned for the table: {current.read}. Requested "
            f"ReadCapacityUnits: {throughput.read}. Current WriteCapacityUnits provisioned for the table: "
            f"{current.write}. Requested WriteCapacityUnits: {throughput.write}. Refer to the Amazon "
            "DynamoDB Developer Guide for current limits and how to request higher limits."
        )
    return replace(definition, throughput=_with_units(current, throughput, now))


def _apply_gsi_update(
    definition: TableDefinition,
    update: GsiUpdate,
    attribute_types: tuple[tuple[str, str], ...] | None,
    now: float,
) -> tuple[TableDefinition, list[IndexDefinition]]:
    existing = definition.index(update.name)
    if update.action == "Delete":
        if existing is None or not existing.is_global:
            raise ValidationException(
                f"Cannot delete an index that is not a GlobalSecondaryIndex: {update.name}"
            )
        # The index stays listed as DELETING while operations/indexes/backfill.py removes its entries;
        # that code then drops it from the definition, with the attribute types only it used.
        return _replace_index(definition, replace(existing, status="DELETING", backfilling=False)), []
    if update.action == "Update":
        if existing is None or not existing.is_global:
            raise ValidationException(
                f"Cannot update an index that is not a GlobalSecondaryIndex: {update.name}"
            )
        if update.throughput is None:
            return definition, []
        if definition.billing_mode == PAY_PER_REQUEST:
            raise ValidationException(
                INVALID + f"The only Updates for index: {update.name} when TableThroughputMode is "
                "PAY_PER_REQUEST can be to OnDemandThroughput, WarmThroughput"
            )
        units = _with_units(existing.throughput or Throughput(0, 0), update.throughput, now)
        return _replace_index(definition, replace(existing, throughput=units)), []
    return _create_index(definition, update, existing, attribute_types, now), []


def _create_index(
    definition: TableDefinition,
    update: GsiUpdate,
    existing: IndexDefinition | None,
    attribute_types: tuple[tuple[str, str], ...] | None,
    now: float,
) -> TableDefinition:
    create = update.create
    if create is None:
        raise ValidationException(INVALID + f"AttributeDefinitions is not specified for index: {update.name}")
    if existing is not None:
        raise ValidationException("Attempting to create an index which already exists")
    if attribute_types is None:
        raise ValidationException(INVALID + f"AttributeDefinitions is not specified for index: {update.name}")
    merged = dict(definition.attribute_types)
    for name, attribute_type in attribute_types:
        merged.setdefault(name, attribute_type)
    check_key_elements(create.key_elements, list(merged))
    if definition.billing_mode == PAY_PER_REQUEST:
        if create.throughput is not None:
            raise ValidationException(
                INVALID + "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified for index: "
                f"{update.name} when BillingMode is PAY_PER_REQUEST"
            )
        units = Throughput(0, 0)
    else:
        if create.throughput is None:
            raise ValidationException(
                INVALID + f"ProvisionedThroughput must be specified for index: {update.name}"
            )
        units = Throughput(create.throughput.read, create.throughput.write)
    if sum(1 for index in definition.indexes if index.is_global) >= MAX_GLOBAL_INDEXES:
        raise LimitExceededException(
            f"GlobalSecondaryIndex count exceeds the per-table limit of {MAX_GLOBAL_INDEXES}"
        )
    index = IndexDefinition(
        name=create.name,
        is_global=True,
        key_elements=create.key_elements,
        projection=Projection(
            str(create.projection.projection_type), create.projection.non_key_attributes or ()
        ),
        throughput=units,
        created_at=now,
        status="CREATING",  # operations/indexes/backfill.py makes it ACTIVE once existing items are indexed
    )
    key_names = {element.name for element in create.key_elements}
    added = tuple(
        (n, t) for n, t in attribute_types if n in key_names and n not in dict(definition.attribute_types)
    )
    return replace(
        definition, indexes=(*definition.indexes, index), attribute_types=definition.attribute_types + added
    )


def _replace_index(definition: TableDefinition, index: IndexDefinition) -> TableDefinition:
    return replace(
        definition, indexes=tuple(index if i.name == index.name else i for i in definition.indexes)
    )


def used_attribute_types(definition: TableDefinition) -> tuple[tuple[str, str], ...]:
    """AttributeDefinitions keep only key attributes, so a deleted index takes its own ones along."""
    used = {e.name for e in definition.key_elements}
    for index in definition.indexes:
        used.update(e.name for e in index.key_elements)
    return tuple(pair for pair in definition.attribute_types if pair[0] in used)


def _update_sse(definition: TableDefinition, sse: SseRequest, settings: Settings) -> TableDefinition:
    if not sse.enabled:
        if definition.sse is None:
            raise ValidationException(INVALID + "Table is already encrypted by default")
        return replace(definition, sse=None)
    key_arn = kms_key_arn(settings, sse.kms_key_id or default_kms_key_id(settings))
    if definition.sse is not None and definition.sse.kms_key_arn == key_arn:
        raise ValidationException(
            INVALID + "Table is already encrypted with given KMSMasterKeyId. Use KMSMasterKeyId parameter if "
            "you want to change Master Key"
        )
    return replace(definition, sse=SseSettings(key_arn))
