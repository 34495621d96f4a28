"""Stream ARNs, labels and shard ids in AWS's formats."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

_STREAM_ARN = re.compile(
    r"arn:(?P<partition>aws[a-z-]*):dynamodb:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
    r"table/(?P<table>[a-zA-Z0-9_.-]{3,255})/stream/(?P<label>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})"
)
_SHARD_ID = re.compile(r"shardId-\d{20}-[0-9a-f]{8}")


@dataclass(frozen=True)
class StreamArn:
    region: str
    account: str
    table_name: str
    label: str


def stream_arn(region: str, account: str, table_name: str, label: str) -> str:
    return f"arn:aws:dynamodb:{region}:{account}:table/{table_name}/stream/{label}"


def parse_stream_arn(text: str) -> StreamArn | None:
    """The parts of a well-formed stream ARN, or None for anything else."""
    match = _STREAM_ARN.fullmatch(text)
    if match is None:
        return None
    return StreamArn(match["region"], match["account"], match["table"], match["label"])


def shard_id(created_at: float, seed: str) -> str:
    """AWS's form: shardId-<20-digit creation time in epoch milliseconds>-<8 hex>. The hex part is a hash of
    what makes the shard unique (its stream, parent and hash range), so shards opened in the same
    millisecond still differ."""
    millis = int(created_at * 1000)
    tail = hashlib.blake2b(seed.encode(), digest_size=4).hexdigest()
    return f"shardId-{millis:020d}-{tail}"


def is_shard_id(text: str) -> bool:
    return _SHARD_ID.fullmatch(text) is not None
