"""DescribeEndpoints and DescribeLimits over the wire."""

from __future__ import annotations

from typing import Any


def test_describe_endpoints(dynamodb: Any) -> None:
    response = dynamodb.describe_endpoints()
    assert response["Endpoints"] == [
        {"Address": "dynamodb.us-east-1.amazonaws.com", "CachePeriodInMinutes": 1440}
    ]


def test_describe_limits(dynamodb: Any) -> None:
    response = dynamodb.describe_limits()
    limits = {key: value for key, value in response.items() if key != "ResponseMetadata"}
    assert limits == {
        "AccountMaxReadCapacityUnits": 80000,
        "AccountMaxWriteCapacityUnits": 80000,
        "TableMaxReadCapacityUnits": 40000,
        "TableMaxWriteCapacityUnits": 40000,
    }
