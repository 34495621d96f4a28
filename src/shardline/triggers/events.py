"""The event Lambda hands a function for DynamoDB stream records: `{"Records": [...]}` in Lambda's casing and
units (GetRecords' record plus eventSourceARN; ApproximateCreationDateTime as float seconds)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

# Lambda's record field order: eventID, eventName, eventVersion, eventSource, awsRegion, dynamodb,
# (userIdentity,) eventSourceARN.
_LEADING = ("eventID", "eventName", "eventVersion", "eventSource", "awsRegion")


def lambda_record(record: Mapping[str, Any], stream_arn: str) -> dict[str, Any]:
    """A GetRecords record (wire form) as Lambda delivers it."""
    shaped: dict[str, Any] = {name: record[name] for name in _LEADING if name in record}
    change = dict(record.get("dynamodb", {}))
    if "ApproximateCreationDateTime" in change:
        change["ApproximateCreationDateTime"] = float(change["ApproximateCreationDateTime"])
    shaped["dynamodb"] = change
    identity = record.get("userIdentity")
    if isinstance(identity, Mapping):
        # GetRecords uses the Streams model's PascalCase; Lambda events use camelCase.
        shaped["userIdentity"] = {
            "type": identity.get("Type", identity.get("type")),
            "principalId": identity.get("PrincipalId", identity.get("principalId")),
        }
    shaped["eventSourceARN"] = stream_arn
    return shaped


def stream_event(records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    return {"Records": list(records)}


def partition_key_of(record: Mapping[str, Any], hash_key: str | None) -> str:
    """A text form of the record's partition key value (the whole key when the hash key's name is unknown):
    what keeps one partition key's records in order across parallel batches."""
    keys = record.get("dynamodb", {}).get("Keys", {})
    if hash_key is not None and hash_key in keys:
        value = keys[hash_key]
    else:
        value = keys
    return repr(sorted(value.items())) if isinstance(value, Mapping) else repr(value)
