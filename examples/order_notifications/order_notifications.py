"""A Lambda handler for the orders stream: tells each customer their order shipped. Here the "notification"
is a JSON line in an outbox file (NOTIFY_OUTBOX, default ./outbox.jsonl); on AWS it would be SES or SNS."""

from __future__ import annotations

import json
import os
from typing import Any


def handler(event: dict[str, Any], context: Any) -> None:
    outbox = os.environ.get("NOTIFY_OUTBOX", "outbox.jsonl")
    with open(outbox, "a", encoding="utf-8") as out:
        for record in event["Records"]:
            image = record["dynamodb"]["NewImage"]
            message = {
                "to": image["customer"]["S"],
                "subject": f"Your order {image['order_id']['S']} has shipped",
                "order_id": image["order_id"]["S"],
                "request_id": context.aws_request_id,
            }
            out.write(json.dumps(message) + "\n")
