"""Tag rules shared by CreateTable, TagResource and UntagResource, and the ResourceArn rules of the tag
operations. Messages as AWS words them (including its "Atleast" and "ResourcArn")."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from shardline.errors import ResourceNotFoundException, ValidationException
from shardline.operations.tables.specifications import INVALID
from shardline.operations.tables.table_names import name_violations
from shardline.settings import Settings

MAX_TAGS_PER_RESOURCE = 50
_TAG_PUNCTUATION = frozenset("_.:/=+-@")


def _is_tag_text(text: str) -> bool:
    # AWS's tag pattern: ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$
    return all(char in _TAG_PUNCTUATION or unicodedata.category(char)[0] in "LZN" for char in text)


def check_tags(tags: Sequence[tuple[str, str]]) -> None:
    seen: set[str] = set()
    for key, value in tags:
        if not key or not _is_tag_text(key):
            raise ValidationException(f"The Tag Key provided is invalid, Key: {key}")
        if key.startswith("aws:"):
            raise ValidationException(f"Tag Key cannot be prefixed with aws:, Key: {key}")
        if not _is_tag_text(value):
            raise ValidationException(f"The Tag Value provided is invalid, Value: {value}")
        if key in seen:
            raise ValidationException(f"Duplicate Tag Keys provided as input: Duplicate Tag Key found {key}")
        seen.add(key)


def merge_tags(
    existing: Sequence[tuple[str, str]], added: Sequence[tuple[str, str]]
) -> tuple[tuple[str, str], ...]:
    merged = dict(existing)
    merged.update(added)
    if len(merged) > MAX_TAGS_PER_RESOURCE:
        raise ValidationException("Number of Tags exceed the current limit for the provided ResourceArn")
    return tuple(merged.items())


def table_name_of_resource(settings: Settings, arn: str) -> str:
    """The table a tag operation's ResourceArn names; stream ARNs name their table."""
    if not arn.startswith("arn:"):
        raise ValidationException(INVALID + f"ARNs must start with 'arn:': {arn}")
    parts = arn.split(":", 5)
    if len(parts) < 6 or parts[2] != "dynamodb":
        raise ValidationException(INVALID + f"Provided Arn is not a DynamoDB resource arn: {arn}")
    invalid_table_arn = ValidationException(f"Invalid TableArn: Invalid ResourceArn provided as input {arn}")
    if parts[1] != "aws" or parts[3] != settings.region or parts[4] != settings.account_id:
        raise invalid_table_arn
    resource = parts[5]
    if not resource.startswith("table/"):
        raise ValidationException(
            INVALID
            + f"Invalid resource arn provided, only table or stream is accepted. Provided resource arn: {arn}"
        )
    name, _, rest = resource[len("table/") :].partition("/")
    if rest and not rest.startswith("stream/"):
        raise ValidationException(
            INVALID
            + f"Invalid resource arn provided, only table or stream is accepted. Provided resource arn: {arn}"
        )
    if name_violations(name, "tableName"):
        raise invalid_table_arn
    return name


def resource_not_found(arn: str) -> ResourceNotFoundException:
    return ResourceNotFoundException(f"Requested resource not found: ResourcArn: {arn} not found")
