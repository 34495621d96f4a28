"""Replicates a table into REPLICA_TABLE (default customers_replica): inserts and updates put the new image,
removals delete the key. boto3 finds the target through the usual configuration (AWS_ENDPOINT_URL_DYNAMODB
for a local server). Needs a stream with new images (NEW_IMAGE or NEW_AND_OLD_IMAGES)."""

from __future__ import annotations

import base64
import os
import sys
from typing import Any

import boto3

_client: Any = None


def _dynamodb() -> Any:
    global _client
    if _client is None:  # created once per worker process, as a Lambda function would
        _client = boto3.client("dynamodb", region_name=os.environ.get("AWS_REGION", "us-east-1"))
    return _client


def _for_boto3(value: dict[str, Any]) -> dict[str, Any]:
    """Stream images carry binaries as base64 text; boto3 wants bytes."""
    kind, inner = next(iter(value.items()))
    if kind == "B":
        return {"B": base64.b64decode(inner)}
    if kind == "BS":
        return {"BS": [base64.b64decode(item) for item in inner]}
    if kind == "M":
        return {"M": {name: _for_boto3(item) for name, item in inner.items()}}
    if kind == "L":
        return {"L": [_for_boto3(item) for item in inner]}
    return value


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    table = os.environ.get("REPLICA_TABLE", "customers_replica")
    failures = []
    for record in event["Records"]:
        change = record["dynamodb"]
        try:
            if record["eventName"] == "REMOVE":
                key = {name: _for_boto3(value) for name, value in change["Keys"].items()}
                _dynamodb().delete_item(TableName=table, Key=key)
            else:
                item = {name: _for_boto3(value) for name, value in change["NewImage"].items()}
                _dynamodb().put_item(TableName=table, Item=item)
        except Exception as error:
            # Logged, as a Lambda function logs to CloudWatch (here the server's terminal); Lambda retries
            # from the lowest failed sequence number, so stop at the first failure.
            print(f"cannot replicate {change['SequenceNumber']}: {error!r}", file=sys.stderr)
            failures.append({"itemIdentifier": change["SequenceNumber"]})
            break
    return {"batchItemFailures": failures}
