"""A tumbling-window aggregation: sums sale amounts per store within each window. Lambda passes the state
returned by the previous invocation of the window; the final invocation writes the totals as a JSON line to
WINDOW_TOTALS (default ./window-totals.jsonl)."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from typing import Any


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    totals: dict[str, str] = dict(event.get("state") or {})
    for record in event["Records"]:
        image = record["dynamodb"]["NewImage"]
        store = image["store"]["S"]
        # DynamoDB numbers arrive as text; Decimal keeps cents exact.
        totals[store] = str(Decimal(totals.get(store, "0")) + Decimal(image["amount"]["N"]))
    if event.get("isFinalInvokeForWindow"):
        if totals:
            with open(os.environ.get("WINDOW_TOTALS", "window-totals.jsonl"), "a", encoding="utf-8") as out:
                out.write(json.dumps({"window": event["window"], "totals": totals}) + "\n")
        return {"state": {}}
    return {"state": totals}
