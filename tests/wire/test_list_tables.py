"""ListTables over the wire. Other tests share the server, so these read pages starting near their own
tables (a common name prefix) and check only the names that carry it."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.wire.conftest import error_of


def make_tables(dynamodb: Any, prefix: str, suffixes: list[str]) -> list[str]:
    names = [f"{prefix}{suffix}" for suffix in suffixes]
    for name in names:
        dynamodb.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    return sorted(names)


def test_pages_in_ascending_order(dynamodb: Any) -> None:
    prefix = f"list-{uuid.uuid4().hex[:8]}-"
    names = make_tables(dynamodb, prefix, ["c", "a", "d", "b"])
    before_first = prefix[:-1]  # sorts just before every name with the prefix
    first = dynamodb.list_tables(ExclusiveStartTableName=before_first, Limit=2)
    assert first["TableNames"] == names[:2]
    assert first["LastEvaluatedTableName"] == names[1]
    second = dynamodb.list_tables(ExclusiveStartTableName=first["LastEvaluatedTableName"], Limit=2)
    assert second["TableNames"] == names[2:]


def test_paginator_sees_every_table(dynamodb: Any) -> None:
    prefix = f"page-{uuid.uuid4().hex[:8]}-"
    names = make_tables(dynamodb, prefix, ["x", "y", "z"])
    seen = [
        name
        for page in dynamodb.get_paginator("list_tables").paginate(PaginationConfig={"PageSize": 1})
        for name in page["TableNames"]
    ]
    assert [name for name in seen if name.startswith(prefix)] == names
    assert seen == sorted(seen)


def test_last_page_has_no_last_evaluated_name(dynamodb: Any) -> None:
    response = dynamodb.list_tables(ExclusiveStartTableName="zzzzzzzzzz", Limit=5)
    assert response["TableNames"] == []
    assert "LastEvaluatedTableName" not in response


def test_limit_out_of_range(dynamodb: Any) -> None:
    with pytest.raises(ClientError) as raised:
        dynamodb.list_tables(Limit=101)
    assert error_of(raised) == (
        "ValidationException",
        "1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: Member must have "
        "value less than or equal to 100",
    )
