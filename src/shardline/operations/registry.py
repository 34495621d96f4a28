"""The explicit list of operations shardline serves, by X-Amz-Target prefix and operation name.

Each operation module exposes NAME (the AWS operation name) and
`async def run(ctx: OperationContext, body: dict[str, Any]) -> dict[str, Any]`, where body has already
passed the shape checks of protocol/shapes.py and the result is the wire-shaped response.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from types import ModuleType
from typing import Any

from shardline.operations.context import OperationContext

DYNAMODB_PREFIX = "DynamoDB_20120810"
STREAMS_PREFIX = "DynamoDBStreams_20120810"

Handler = Callable[[OperationContext, dict[str, Any]], Awaitable[dict[str, Any]]]

# Operation name -> module path, per target prefix. No reflection: only what is listed is served.
_MODULES: dict[str, dict[str, str]] = {
    DYNAMODB_PREFIX: {
        "CreateTable": "shardline.operations.tables.create_table",
        "DescribeTable": "shardline.operations.tables.describe_table",
        "ListTables": "shardline.operations.tables.list_tables",
        "DeleteTable": "shardline.operations.tables.delete_table",
        "UpdateTable": "shardline.operations.tables.update_table",
        "TagResource": "shardline.operations.tables.tag_resource",
        "UntagResource": "shardline.operations.tables.untag_resource",
        "ListTagsOfResource": "shardline.operations.tables.list_tags_of_resource",
        "DescribeEndpoints": "shardline.operations.tables.describe_endpoints",
        "DescribeLimits": "shardline.operations.tables.describe_limits",
        "PutItem": "shardline.operations.items.put_item",
        "GetItem": "shardline.operations.items.get_item",
        "DeleteItem": "shardline.operations.items.delete_item",
        "UpdateItem": "shardline.operations.items.update_item",
        "Query": "shardline.operations.reads.query",
        "Scan": "shardline.operations.reads.scan",
        "BatchGetItem": "shardline.operations.batches.batch_get_item",
        "BatchWriteItem": "shardline.operations.batches.batch_write_item",
        "TransactGetItems": "shardline.operations.transactions.transact_get_items",
        "TransactWriteItems": "shardline.operations.transactions.transact_write_items",
    },
    STREAMS_PREFIX: {
        "ListStreams": "shardline.operations.streams.list_streams",
        "DescribeStream": "shardline.operations.streams.describe_stream",
        "GetShardIterator": "shardline.operations.streams.get_shard_iterator",
        "GetRecords": "shardline.operations.streams.get_records",
    },
}


def supported_operations() -> dict[str, list[str]]:
    return {prefix: sorted(ops) for prefix, ops in _MODULES.items()}


def _load(path: str) -> ModuleType:
    return importlib.import_module(path)


def build_registry(*, skip_missing: bool = False) -> dict[tuple[str, str], Handler]:
    """Imports every listed operation module. skip_missing leaves out modules that do not exist yet
    (used only while an operation is being written; tests assert that nothing is missing)."""
    registry: dict[tuple[str, str], Handler] = {}
    for prefix, operations in _MODULES.items():
        for name, path in operations.items():
            try:
                module = _load(path)
            except ModuleNotFoundError as missing:
                if skip_missing and missing.name == path:
                    continue
                raise
            if name != module.NAME:
                raise RuntimeError(f"{path} declares NAME={module.NAME!r}, expected {name!r}")
            registry[(prefix, name)] = module.run
    return registry
