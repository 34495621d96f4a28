"""ItemCount and IndexSizeBytes of a table's secondary indexes, as DescribeTable reports them."""

from __future__ import annotations

from shardline.operations.indexes.projection import index_plans
from shardline.storage.backend import ReadView, StoredTable

IndexStatistics = dict[str, tuple[int, int]]  # index name -> (item count, size in bytes)


def index_statistics_of(view: ReadView, table: StoredTable) -> IndexStatistics:
    if not table.definition.get("indexes"):
        return {}
    return {plan.name: view.index_statistics(table.table_id, plan.name) for plan in index_plans(table)}
