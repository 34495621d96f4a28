"""ItemCollectionMetrics: reported for writes to tables with local secondary indexes, when asked."""

from __future__ import annotations

from typing import Any

from shardline.operations.items.item_request import TableKey
from shardline.operations.tables.definition import definition_of
from shardline.values.types import Item

# AWS reports the collection size as a [lower, upper] range in GB; every collection a single
# shardline node holds is far below the 10 GB LSI limit, so the estimate is always the first band.
SMALL_COLLECTION_RANGE_GB = [0.0, 1.0]


def item_collection_metrics(located: TableKey, key: Item, mode: str | None) -> dict[str, Any] | None:
    """The wire ItemCollectionMetrics for one written item, or None: AWS sends it only for
    ReturnItemCollectionMetrics=SIZE on a table that has a local secondary index."""
    if mode != "SIZE":
        return None
    if not any(not index.is_global for index in definition_of(located.table).indexes):
        return None
    partition = located.schema.partition_name
    return {
        "ItemCollectionKey": {partition: key[partition]},
        "SizeEstimateRangeGB": list(SMALL_COLLECTION_RANGE_GB),
    }


def add_item_collection_metrics(
    response: dict[str, Any], located: TableKey, key: Item, mode: str | None
) -> dict[str, Any]:
    metrics = item_collection_metrics(located, key, mode)
    if metrics is not None:
        response["ItemCollectionMetrics"] = metrics
    return response
