"""The rule that a request uses expressions or the legacy parameters, never both, and that
ExpressionAttributeNames/Values come only with expressions. Messages as DynamoDB words them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shardline.errors import ValidationException

# Per operation: (expression parameters, legacy parameters), in the order AWS lists them.
PARAMETER_STYLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "PutItem": (("ConditionExpression",), ("Expected",)),
    "DeleteItem": (("ConditionExpression",), ("Expected",)),
    "UpdateItem": (("UpdateExpression", "ConditionExpression"), ("AttributeUpdates", "Expected")),
    "GetItem": (("ProjectionExpression",), ("AttributesToGet",)),
    "BatchGetItem": (("ProjectionExpression",), ("AttributesToGet",)),
    "Query": (
        ("ProjectionExpression", "FilterExpression", "KeyConditionExpression"),
        ("AttributesToGet", "QueryFilter", "ConditionalOperator", "KeyConditions"),
    ),
    "Scan": (
        ("ProjectionExpression", "FilterExpression"),
        ("AttributesToGet", "ScanFilter", "ConditionalOperator"),
    ),
}


def _infer_operation(body: Mapping[str, Any]) -> str:
    if "UpdateExpression" in body or "AttributeUpdates" in body:
        return "UpdateItem"
    if "KeyConditionExpression" in body or "KeyConditions" in body or "QueryFilter" in body:
        return "Query"
    if "ScanFilter" in body or "TotalSegments" in body or "Segment" in body:
        return "Scan"
    if "Item" in body:
        return "PutItem"
    if "ConditionExpression" in body or "Expected" in body:
        return "DeleteItem"
    return "GetItem"


def check_parameter_styles(body: Mapping[str, Any], operation: str | None = None) -> None:
    """Raises ValidationException when body mixes expression and legacy parameters, or carries
    ExpressionAttributeNames/Values without an expression that could use them. operation is the AWS
    operation name (PutItem, Query, ...); without it the operation is guessed from body."""
    expressions, legacy = PARAMETER_STYLES[operation or _infer_operation(body)]
    used_expressions = [name for name in expressions if body.get(name) is not None]
    if used_expressions:
        legacy_checked = legacy
        # Query quirk: KeyConditions may go with the other expressions when KeyConditionExpression is absent.
        if body.get("KeyConditions") is not None and body.get("KeyConditionExpression") is None:
            legacy_checked = tuple(name for name in legacy if name != "KeyConditions")
        used_legacy = [name for name in legacy_checked if body.get(name) is not None]
        if used_legacy:
            raise ValidationException(
                "Can not use both expression and non-expression parameters in the same request: "
                f"Non-expression parameters: {{{', '.join(used_legacy)}}} "
                f"Expression parameters: {{{', '.join(used_expressions)}}}"
            )
    if body.get("ExpressionAttributeNames") is not None and not used_expressions:
        raise ValidationException("ExpressionAttributeNames can only be specified when using expressions")
    value_expressions = [name for name in expressions if name != "ProjectionExpression"]
    if (
        value_expressions
        and body.get("ExpressionAttributeValues") is not None
        and all(body.get(name) is None for name in value_expressions)
    ):
        verb = "are" if len(value_expressions) > 1 else "is"
        raise ValidationException(
            "ExpressionAttributeValues can only be specified when using expressions: "
            f"{' and '.join(value_expressions)} {verb} null"
        )
