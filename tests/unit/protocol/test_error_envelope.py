"""protocol/error_envelope.py: the one renderer of exceptions on the wire."""

from __future__ import annotations

import logging

import orjson
import pytest

from shardline import errors
from shardline.protocol.error_envelope import render_error


def _render(error: BaseException) -> tuple[int, dict[str, object]]:
    status, body = render_error(error, "REQUEST1")
    return status, orjson.loads(body)


def test_service_error_has_type_and_message() -> None:
    assert _render(errors.ResourceNotFoundException()) == (
        400,
        {
            "__type": "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",
            "message": "Requested resource not found",
        },
    )


def test_validation_exception_namespace() -> None:
    status, body = _render(errors.ValidationException("bad"))
    assert (status, body) == (
        400,
        {"__type": "com.amazon.coral.validate#ValidationException", "message": "bad"},
    )


def test_message_key_and_extra_fields_follow_the_class() -> None:
    reasons = [
        {"Code": "None"},
        {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"},
    ]
    error = errors.TransactionCanceledException("Transaction cancelled", {"CancellationReasons": reasons})
    assert _render(error) == (
        400,
        {
            "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
            "Message": "Transaction cancelled",
            "CancellationReasons": reasons,
        },
    )


def test_conditional_check_failure_can_carry_the_item() -> None:
    error = errors.ConditionalCheckFailedException(extra={"Item": {"pk": {"S": "a"}}})
    _status, body = _render(error)
    assert body["Item"] == {"pk": {"S": "a"}}
    assert body["message"] == "The conditional request failed"


def test_coral_errors_without_message_have_only_the_type() -> None:
    assert _render(errors.UnknownOperationException()) == (
        400,
        {"__type": "com.amazon.coral.service#UnknownOperationException"},
    )
    assert _render(errors.SerializationException()) == (
        400,
        {"__type": "com.amazon.coral.service#SerializationException"},
    )


def test_serialization_type_errors_use_capital_message() -> None:
    assert _render(errors.SerializationException("NUMBER_VALUE cannot be converted to String")) == (
        400,
        {
            "__type": "com.amazon.coral.service#SerializationException",
            "Message": "NUMBER_VALUE cannot be converted to String",
        },
    )


def test_request_entity_too_large_status() -> None:
    status, _ = _render(errors.RequestEntityTooLargeException("too big"))
    assert status == 413


@pytest.mark.parametrize("error", [RuntimeError("secret detail"), KeyError("k"), errors.StorageError("disk")])
def test_anything_else_is_a_logged_internal_error_without_detail(
    error: Exception, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="shardline.protocol"):
        status, body = _render(error)
    assert (status, body) == (
        500,
        {
            "__type": "com.amazonaws.dynamodb.v20120810#InternalServerError",
            "message": "Internal server error",
        },
    )
    assert "REQUEST1" in caplog.text
    assert caplog.records[0].exc_info is not None


def test_unencodable_extra_still_answers() -> None:
    status, body = _render(errors.ValidationException("x", {"bad": object()}))
    assert status == 500
    assert body["__type"] == "com.amazonaws.dynamodb.v20120810#InternalServerError"
