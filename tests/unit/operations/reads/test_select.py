"""Select rules that need no table, with AWS's recorded messages (Query prefixes them, Scan does not)."""

from __future__ import annotations

from typing import Any

import pytest

from shardline.errors import ValidationException
from shardline.operations.reads.select import check_select

CASES = [
    (
        {"Select": "COUNT", "AttributesToGet": ["a"]},
        "Cannot specify the AttributesToGet when choosing to get only the Count",
    ),
    (
        {"Select": "COUNT", "ProjectionExpression": "a"},
        "Cannot specify the ProjectionExpression when choosing to get only the Count",
    ),
    (
        {"Select": "ALL_ATTRIBUTES", "AttributesToGet": ["a"]},
        "Cannot specify the AttributesToGet when choosing to get ALL_ATTRIBUTES",
    ),
    (
        {"Select": "ALL_PROJECTED_ATTRIBUTES", "IndexName": "ix", "ProjectionExpression": "a"},
        "Cannot specify the ProjectionExpression when choosing to get ALL_PROJECTED_ATTRIBUTES",
    ),
    (
        {"Select": "ALL_PROJECTED_ATTRIBUTES"},
        "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName",
    ),
    (
        {"Select": "SPECIFIC_ATTRIBUTES"},
        "Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES",
    ),
]


@pytest.mark.parametrize(("body", "message"), CASES)
@pytest.mark.parametrize("prefix", ["", "1 validation error detected: "])
def test_refused_combinations(body: dict[str, Any], message: str, prefix: str) -> None:
    with pytest.raises(ValidationException) as raised:
        check_select(body, message_prefix=prefix)
    assert raised.value.message == prefix + message


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"ProjectionExpression": "a"},
        {"Select": "COUNT"},
        {"Select": "ALL_ATTRIBUTES"},
        {"Select": "SPECIFIC_ATTRIBUTES", "AttributesToGet": ["a"]},
        {"Select": "SPECIFIC_ATTRIBUTES", "ProjectionExpression": "a"},
        {"Select": "ALL_PROJECTED_ATTRIBUTES", "IndexName": "ix"},
    ],
)
def test_accepted_combinations(body: dict[str, Any]) -> None:
    check_select(body)
