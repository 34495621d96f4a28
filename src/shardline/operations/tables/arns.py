"""ARNs of tables, indexes and streams, and parsing of the table ARNs that tagging and TableName accept."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from shardline.settings import Settings


def table_arn(settings: Settings, name: str) -> str:
    return f"arn:aws:dynamodb:{settings.region}:{settings.account_id}:table/{name}"


def index_arn(settings: Settings, table_name: str, index_name: str) -> str:
    return f"{table_arn(settings, table_name)}/index/{index_name}"


def stream_label(epoch_seconds: float) -> str:
    """The UTC time of a stream's enable with milliseconds, e.g. 2015-05-20T20:51:10.252."""
    moment = datetime.fromtimestamp(epoch_seconds, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


def stream_arn(settings: Settings, table_name: str, label: str) -> str:
    return f"{table_arn(settings, table_name)}/stream/{label}"


def kms_key_arn(settings: Settings, key_id: str) -> str:
    """The ARN DynamoDB reports for a KMS key given by id, alias or ARN."""
    if key_id.startswith("arn:"):
        return key_id
    if key_id.startswith("alias/"):
        return f"arn:aws:kms:{settings.region}:{settings.account_id}:{key_id}"
    return f"arn:aws:kms:{settings.region}:{settings.account_id}:key/{key_id}"


def default_kms_key_id(settings: Settings) -> str:
    """The id of the account's AWS managed key for DynamoDB (alias/aws/dynamodb): stable per account."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"kms:{settings.region}:{settings.account_id}:aws/dynamodb"))


def table_name_from_arn(settings: Settings, arn: str) -> str | None:
    """The table name inside a table ARN of this region and account, or None when the ARN is anything else."""
    prefix = f"arn:aws:dynamodb:{settings.region}:{settings.account_id}:table/"
    if not arn.startswith(prefix):
        return None
    name = arn[len(prefix) :]
    return name or None
