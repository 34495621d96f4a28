"""BatchGetItem's response budget, with a small budget: keys are read in request order across tables and
the rest come back as UnprocessedKeys with their table's parameters; capacity counts only what was read."""

from __future__ import annotations

import pytest

from shardline.operations.batches import batch_get_item
from shardline.operations.items import put_item
from tests.unit.operations.batches.conftest import DataPlane


def test_keys_past_the_budget_are_unprocessed(plane: DataPlane, monkeypatch: pytest.MonkeyPatch) -> None:
    plane.create("one")
    plane.create("two")
    for table in ("one", "two"):
        for index in range(3):
            # Each item is 1 + 2 + 1 + 96 = 100 bytes.
            item = {"pk": {"S": f"k{index}"}, "b": {"S": "x" * 96}}
            plane.call(put_item, {"TableName": table, "Item": item})
    monkeypatch.setattr(batch_get_item, "MAX_RESPONSE_BYTES", 450)
    keys = [{"pk": {"S": f"k{index}"}} for index in range(3)]
    response = plane.call(
        batch_get_item,
        {
            "RequestItems": {
                "one": {"Keys": keys, "ProjectionExpression": "pk"},
                "two": {"Keys": [*keys, {"pk": {"S": "absent"}}], "ConsistentRead": True},
            },
            "ReturnConsumedCapacity": "TOTAL",
        },
    )
    assert response["Responses"]["one"] == [{"pk": {"S": "k0"}}, {"pk": {"S": "k1"}}, {"pk": {"S": "k2"}}]
    assert len(response["Responses"]["two"]) == 1
    assert response["UnprocessedKeys"] == {
        "two": {"ConsistentRead": True, "Keys": [*keys[1:], {"pk": {"S": "absent"}}]}
    }
    assert response["ConsumedCapacity"] == [
        {"TableName": "one", "CapacityUnits": 1.5},
        {"TableName": "two", "CapacityUnits": 1.0},
    ]
