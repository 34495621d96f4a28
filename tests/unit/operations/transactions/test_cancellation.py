"""TransactionCanceledException's message and reasons, built from per-action outcomes."""

from __future__ import annotations

from shardline.operations.transactions.cancellation import PASSED, cancelled, condition_failed, validation_error


def test_message_lists_codes_in_request_order() -> None:
    error = cancelled([PASSED, condition_failed(None, False), validation_error("bad")])
    assert error.message == (
        "Transaction cancelled, please refer cancellation reasons for specific reasons "
        "[None, ConditionalCheckFailed, ValidationError]"
    )
    assert error.extra["CancellationReasons"] == [
        {"Code": "None"},
        {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"},
        {"Code": "ValidationError", "Message": "bad"},
    ]
    assert error.message_key == "Message"


def test_old_item_only_when_asked_and_present() -> None:
    old = {"pk": {"S": "a"}}
    assert condition_failed(old, True)["Item"] == old
    assert "Item" not in condition_failed(old, False)
    assert "Item" not in condition_failed(None, True)


def test_reasons_are_copies() -> None:
    error = cancelled([PASSED])
    error.extra["CancellationReasons"][0]["Code"] = "changed"
    assert PASSED == {"Code": "None"}
