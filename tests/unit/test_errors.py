from __future__ import annotations

import pytest

from shardline import errors


def test_validation_exception_aggregates_at_most_ten() -> None:
    found = errors.ValidationException.from_violations([f"v{i}" for i in range(12)])
    assert found.message.startswith("12 validation errors detected: v0; v1;")
    assert found.message.endswith("v9")


def test_single_violation_uses_singular() -> None:
    found = errors.ValidationException.from_violations(["Value null at 'tableName' failed"])
    assert found.message == "1 validation error detected: Value null at 'tableName' failed"


@pytest.mark.parametrize(
    ("error", "wire_type", "status"),
    [
        (errors.ValidationException("x"), "com.amazon.coral.validate#ValidationException", 400),
        (errors.SerializationException("x"), "com.amazon.coral.service#SerializationException", 400),
        (errors.ResourceNotFoundException(), "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException", 400),
        (errors.InternalServerError(), "com.amazonaws.dynamodb.v20120810#InternalServerError", 500),
    ],
)
def test_wire_type_and_status(error: errors.ServiceError, wire_type: str, status: int) -> None:
    assert error.wire_type() == wire_type
    assert error.http_status == status


def test_default_messages() -> None:
    assert errors.ConditionalCheckFailedException().message == "The conditional request failed"
    assert errors.ResourceNotFoundException().message == "Requested resource not found"
