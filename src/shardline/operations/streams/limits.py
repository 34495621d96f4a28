"""The Limit member of the Streams operations: the model sets only a minimum; AWS enforces the documented
maximum with its usual constraint message."""

from __future__ import annotations

from typing import Any

from shardline.errors import ValidationException


def page_limit(body: dict[str, Any], maximum: int) -> int:
    raw = body.get("Limit")
    if raw is None:
        return maximum
    limit = int(raw)
    if limit > maximum:
        raise ValidationException.from_violations(
            [f"Value '{limit}' at 'limit' failed to satisfy constraint: Member must have value less than or "
             f"equal to {maximum}"]
        )
    return limit
