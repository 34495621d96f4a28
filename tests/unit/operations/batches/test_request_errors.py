"""Refused batch and transaction requests, in-process: AWS's error for each case of cases/request_errors.json,
and nothing written when a request is refused."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest

from shardline.errors import ServiceError
from shardline.operations.batches import batch_get_item, batch_write_item
from shardline.operations.items import get_item, put_item
from shardline.operations.transactions import transact_get_items, transact_write_items
from tests.unit.operations.batches.conftest import DataPlane, load_cases

OPERATIONS: dict[str, ModuleType] = {
    "BatchGetItem": batch_get_item,
    "BatchWriteItem": batch_write_item,
    "TransactGetItems": transact_get_items,
    "TransactWriteItems": transact_write_items,
}
CASES = load_cases("request_errors.json")


def expanded(value: Any) -> Any:
    """Case files write long strings as {"$repeat": text, "$times": n}."""
    if isinstance(value, dict):
        if "$repeat" in value:
            return value["$repeat"] * value["$times"]
        return {name: expanded(member) for name, member in value.items()}
    if isinstance(value, list):
        return [expanded(member) for member in value]
    return value


def with_tables(plane: DataPlane) -> DataPlane:
    plane.create("hash")
    plane.create("range", sort_key="sk")
    plane.create("lsi", sort_key="sk", local_index="by-alt")
    return plane


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_request_is_refused_with_aws_error(plane: DataPlane, case: dict[str, Any]) -> None:
    with_tables(plane)
    with pytest.raises(ServiceError) as excinfo:
        plane.call(OPERATIONS[case["operation"]], expanded(case["request"]))
    assert (excinfo.value.code(), excinfo.value.message) == tuple(case["error"])


def test_refused_batch_write_leaves_earlier_tables_untouched(plane: DataPlane) -> None:
    with_tables(plane)
    plane.call(put_item, {"TableName": "hash", "Item": {"pk": {"S": "kept"}}})
    body = {
        "RequestItems": {
            "hash": [{"DeleteRequest": {"Key": {"pk": {"S": "kept"}}}}, {"PutRequest": {"Item": {"pk": {"S": "new"}}}}],
            "range": [{"PutRequest": {"Item": {"pk": {"S": "a"}}}}],
        }
    }
    with pytest.raises(ServiceError):
        plane.call(batch_write_item, body)
    for pk, expected in (("kept", {"Item": {"pk": {"S": "kept"}}}), ("new", {})):
        assert plane.call(get_item, {"TableName": "hash", "Key": {"pk": {"S": pk}}}) == expected
