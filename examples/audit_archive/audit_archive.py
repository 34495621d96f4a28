"""An audit archive: every change of the table becomes one JSON line (who changed what, before and after) in
AUDIT_ARCHIVE (default ./audit.jsonl). Lines are written in stream order, one batch per invocation."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from typing import Any


def handler(event: dict[str, Any], context: Any) -> None:
    lines = []
    for record in event["Records"]:
        change = record["dynamodb"]
        lines.append(json.dumps({
            "at": datetime.fromtimestamp(change["ApproximateCreationDateTime"], UTC).isoformat(),
            "event": record["eventName"],
            "sequence": change["SequenceNumber"],
            "keys": change["Keys"],
            "before": change.get("OldImage"),
            "after": change.get("NewImage"),
            "by_ttl": record.get("userIdentity", {}).get("principalId") == "dynamodb.amazonaws.com",
        }))
    with open(os.environ.get("AUDIT_ARCHIVE", "audit.jsonl"), "a", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
