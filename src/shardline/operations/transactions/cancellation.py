"""TransactionCanceledException as AWS words it: one reason per action, in request order."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shardline.errors import ConditionalCheckFailedException, TransactionCanceledException
from shardline.values.types import Item

NONE = "None"
CONDITIONAL_CHECK_FAILED = "ConditionalCheckFailed"
VALIDATION_ERROR = "ValidationError"

Reason = dict[str, Any]

PASSED: Reason = {"Code": NONE}


def condition_failed(old_item: Item | None, return_old: bool) -> Reason:
    """A failed condition; with ReturnValuesOnConditionCheckFailure=ALL_OLD the existing item (if any)
    rides along as Item."""
    reason: Reason = {
        "Code": CONDITIONAL_CHECK_FAILED,
        "Message": ConditionalCheckFailedException.default_message,
    }
    if return_old and old_item is not None:
        reason["Item"] = old_item
    return reason


def validation_error(message: str) -> Reason:
    return {"Code": VALIDATION_ERROR, "Message": message}


def cancelled(reasons: Sequence[Reason]) -> TransactionCanceledException:
    codes = ", ".join(str(reason["Code"]) for reason in reasons)
    return TransactionCanceledException(
        f"Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]",
        extra={"CancellationReasons": [dict(reason) for reason in reasons]},
    )
