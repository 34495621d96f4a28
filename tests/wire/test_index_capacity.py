"""ReturnConsumedCapacity of writes to tables with secondary indexes: the units spent on each index count in
the total and are itemised under INDEXES, by the developer guide's rules (an entry put or removed is one
write, an index key that changes is two, a write the index does not see costs it nothing)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.wire.conftest import unique_name


@pytest.fixture
def indexed(dynamodb: Any) -> Iterator[str]:
    """pk/sk table with an LSI on `l` (ALL), a GSI on `g` (ALL) and a KEYS_ONLY GSI on `h`."""
    name = unique_name("idxcap")
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "l", "AttributeType": "S"},
            {"AttributeName": "g", "AttributeType": "S"},
            {"AttributeName": "h", "AttributeType": "S"},
        ],
        LocalSecondaryIndexes=[
            {
                "IndexName": "by-l",
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "l", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            },
            {
                "IndexName": "by-h",
                "KeySchema": [{"AttributeName": "h", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            },
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    yield name


KEY = {"pk": {"S": "p"}, "sk": {"S": "s"}}


def put(dynamodb: Any, table: str, mode: str = "INDEXES", **attributes: str) -> Any:
    item = {**KEY, **{name: {"S": value} for name, value in attributes.items()}}
    return dynamodb.put_item(TableName=table, Item=item, ReturnConsumedCapacity=mode)["ConsumedCapacity"]


def update(dynamodb: Any, table: str, expression: str, **values: str) -> Any:
    return dynamodb.update_item(
        TableName=table,
        Key=KEY,
        UpdateExpression=expression,
        ExpressionAttributeValues={f":{name}": {"S": value} for name, value in values.items()},
        ReturnConsumedCapacity="INDEXES",
    )["ConsumedCapacity"]


def test_put_into_every_index(dynamodb: Any, indexed: str) -> None:
    assert put(dynamodb, indexed, l="1", g="2", h="3") == {
        "TableName": indexed,
        "CapacityUnits": 4.0,
        "Table": {"CapacityUnits": 1.0},
        "LocalSecondaryIndexes": {"by-l": {"CapacityUnits": 1.0}},
        "GlobalSecondaryIndexes": {"by-g": {"CapacityUnits": 1.0}, "by-h": {"CapacityUnits": 1.0}},
    }


def test_total_counts_the_index_units(dynamodb: Any, indexed: str) -> None:
    assert put(dynamodb, indexed, "TOTAL", g="2") == {"TableName": indexed, "CapacityUnits": 2.0}


def test_an_item_outside_every_index_costs_the_table_alone(dynamodb: Any, indexed: str) -> None:
    assert put(dynamodb, indexed, other="x") == {
        "TableName": indexed,
        "CapacityUnits": 1.0,
        "Table": {"CapacityUnits": 1.0},
    }


def test_index_entries_are_charged_by_their_projected_size(dynamodb: Any, indexed: str) -> None:
    # ALL projects the 1.5 KB attribute into by-g (2 units); KEYS_ONLY keeps by-h's entry small (1 unit).
    assert put(dynamodb, indexed, g="2", h="3", big="x" * 1500) == {
        "TableName": indexed,
        "CapacityUnits": 5.0,
        "Table": {"CapacityUnits": 2.0},
        "GlobalSecondaryIndexes": {"by-g": {"CapacityUnits": 2.0}, "by-h": {"CapacityUnits": 1.0}},
    }


def test_update_that_moves_an_index_key_costs_two_index_writes(dynamodb: Any, indexed: str) -> None:
    put(dynamodb, indexed, g="old")
    assert update(dynamodb, indexed, "SET g = :g", g="new") == {
        "TableName": indexed,
        "CapacityUnits": 3.0,
        "Table": {"CapacityUnits": 1.0},
        "GlobalSecondaryIndexes": {"by-g": {"CapacityUnits": 2.0}},
    }


def test_update_of_an_attribute_an_index_does_not_project_costs_that_index_nothing(
    dynamodb: Any, indexed: str
) -> None:
    put(dynamodb, indexed, g="2", h="3")
    # by-g (ALL) holds the new attribute and is rewritten once; by-h (KEYS_ONLY) does not see it.
    assert update(dynamodb, indexed, "SET extra = :o", o="x") == {
        "TableName": indexed,
        "CapacityUnits": 2.0,
        "Table": {"CapacityUnits": 1.0},
        "GlobalSecondaryIndexes": {"by-g": {"CapacityUnits": 1.0}},
    }


def test_delete_removes_the_entries(dynamodb: Any, indexed: str) -> None:
    put(dynamodb, indexed, l="1", h="3")
    deleted = dynamodb.delete_item(TableName=indexed, Key=KEY, ReturnConsumedCapacity="INDEXES")
    assert deleted["ConsumedCapacity"] == {
        "TableName": indexed,
        "CapacityUnits": 3.0,
        "Table": {"CapacityUnits": 1.0},
        "LocalSecondaryIndexes": {"by-l": {"CapacityUnits": 1.0}},
        "GlobalSecondaryIndexes": {"by-h": {"CapacityUnits": 1.0}},
    }


def test_batch_write_sums_table_and_index_units(dynamodb: Any, indexed: str) -> None:
    response = dynamodb.batch_write_item(
        RequestItems={
            indexed: [
                {"PutRequest": {"Item": {"pk": {"S": "a"}, "sk": {"S": "1"}, "g": {"S": "x"}}}},
                {"PutRequest": {"Item": {"pk": {"S": "a"}, "sk": {"S": "2"}}}},
            ]
        },
        ReturnConsumedCapacity="INDEXES",
    )
    assert response["ConsumedCapacity"] == [
        {
            "TableName": indexed,
            "CapacityUnits": 3.0,
            "Table": {"CapacityUnits": 2.0},
            "GlobalSecondaryIndexes": {"by-g": {"CapacityUnits": 1.0}},
        }
    ]


def test_transactional_index_writes_cost_double_as_the_table_writes_do(dynamodb: Any, indexed: str) -> None:
    response = dynamodb.transact_write_items(
        TransactItems=[{"Put": {"TableName": indexed, "Item": {**KEY, "g": {"S": "x"}}}}],
        ReturnConsumedCapacity="TOTAL",
    )
    assert response["ConsumedCapacity"] == [
        {"TableName": indexed, "CapacityUnits": 4.0, "WriteCapacityUnits": 4.0}
    ]
