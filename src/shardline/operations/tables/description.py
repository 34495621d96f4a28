"""Builds the wire TableDescription from a stored table and its typed definition."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from shardline.operations.tables.arns import index_arn, stream_arn, table_arn
from shardline.settings import Settings
from shardline.storage.backend import StoredTable

if TYPE_CHECKING:
    from shardline.operations.tables.definition import (
        IndexDefinition,
        KeyElement,
        Projection,
        TableDefinition,
        Throughput,
    )


def table_description(
    table: StoredTable,
    definition: TableDefinition,
    settings: Settings,
    *,
    table_status: str,
    index_statuses: Mapping[str, str],
    index_stats: Mapping[str, tuple[int, int]] | None = None,
) -> dict[str, Any]:
    """index_stats: (ItemCount, IndexSizeBytes) per index name; indexes left out describe as 0/0."""
    stats = index_stats or {}
    description: dict[str, Any] = {
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": attribute_type}
            for name, attribute_type in definition.attribute_types
        ],
        "TableName": table.name,
        "KeySchema": key_schema_json(definition.key_elements),
        "TableStatus": table_status,
        "CreationDateTime": definition.created_at,
        "ProvisionedThroughput": throughput_json(definition.throughput),
        "TableSizeBytes": table.size_bytes,
        "ItemCount": table.item_count,
        "TableArn": table_arn(settings, table.name),
        "TableId": table.table_id,
    }
    if definition.pay_per_request_since is not None:
        # AWS keeps the summary after a switch back to PROVISIONED, with the time of the last switch.
        description["BillingModeSummary"] = {
            "BillingMode": definition.billing_mode,
            "LastUpdateToPayPerRequestDateTime": definition.pay_per_request_since,
        }
    local = [index for index in definition.indexes if not index.is_global]
    if local:
        description["LocalSecondaryIndexes"] = [
            _local_index_json(index, table.name, settings, stats.get(index.name, (0, 0))) for index in local
        ]
    global_ = [index for index in definition.indexes if index.is_global]
    if global_:
        description["GlobalSecondaryIndexes"] = [
            _global_index_json(
                index, table.name, settings, index_statuses.get(index.name, index.status),
                stats.get(index.name, (0, 0)),
            )
            for index in global_
        ]
    stream = definition.stream
    if stream.enabled:
        description["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream.view_type}
    if stream.latest is not None:
        description["LatestStreamLabel"] = stream.latest.label
        description["LatestStreamArn"] = stream_arn(settings, table.name, stream.latest.label)
    if definition.sse is not None:
        description["SSEDescription"] = {
            "Status": "ENABLED",
            "SSEType": "KMS",
            "KMSMasterKeyArn": definition.sse.kms_key_arn,
        }
    if definition.table_class is not None:
        summary: dict[str, Any] = {"TableClass": definition.table_class}
        if definition.table_class_updated_at is not None:
            summary["LastUpdateDateTime"] = definition.table_class_updated_at
        description["TableClassSummary"] = summary
    description["DeletionProtectionEnabled"] = definition.deletion_protection
    return description


def key_schema_json(elements: tuple[KeyElement, ...]) -> list[dict[str, str]]:
    return [{"AttributeName": element.name, "KeyType": element.key_type} for element in elements]


def throughput_json(throughput: Throughput) -> dict[str, Any]:
    described: dict[str, Any] = {}
    if throughput.last_increase is not None:
        described["LastIncreaseDateTime"] = throughput.last_increase
    if throughput.last_decrease is not None:
        described["LastDecreaseDateTime"] = throughput.last_decrease
    described["NumberOfDecreasesToday"] = throughput.decreases_today
    described["ReadCapacityUnits"] = throughput.read
    described["WriteCapacityUnits"] = throughput.write
    return described


def projection_json(projection: Projection) -> dict[str, Any]:
    described: dict[str, Any] = {"ProjectionType": projection.projection_type}
    if projection.non_key_attributes:
        described["NonKeyAttributes"] = list(projection.non_key_attributes)
    return described


def _local_index_json(
    index: IndexDefinition, table_name: str, settings: Settings, stats: tuple[int, int]
) -> dict[str, Any]:
    return {
        "IndexName": index.name,
        "KeySchema": key_schema_json(index.key_elements),
        "Projection": projection_json(index.projection),
        "IndexSizeBytes": stats[1],
        "ItemCount": stats[0],
        "IndexArn": index_arn(settings, table_name, index.name),
    }


def _global_index_json(
    index: IndexDefinition, table_name: str, settings: Settings, status: str, stats: tuple[int, int]
) -> dict[str, Any]:
    described: dict[str, Any] = {
        "IndexName": index.name,
        "KeySchema": key_schema_json(index.key_elements),
        "Projection": projection_json(index.projection),
        "IndexStatus": status,
    }
    if status == "CREATING":
        described["Backfilling"] = index.backfilling
    if index.throughput is not None:
        described["ProvisionedThroughput"] = throughput_json(index.throughput)
    described.update(
        {
            "IndexSizeBytes": stats[1],
            "ItemCount": stats[0],
            "IndexArn": index_arn(settings, table_name, index.name),
        }
    )
    return described
