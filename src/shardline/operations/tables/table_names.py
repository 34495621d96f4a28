"""The TableName rules. botocore's model now types TableName as a table ARN (1..1024 characters), so the
name's own limits (3..255 characters of [a-zA-Z0-9_.-]) are checked here, in AWS's wording."""

from __future__ import annotations

import re

from shardline.errors import ValidationException
from shardline.operations.tables.arns import table_name_from_arn
from shardline.settings import Settings

NAME_PATTERN = "[a-zA-Z0-9_.-]+"
_NAME = re.compile(NAME_PATTERN)
MIN_NAME_LENGTH = 3
MAX_NAME_LENGTH = 255


def name_violations(value: str, member: str) -> list[str]:
    """Violations of a table or index name, in the order AWS lists them (pattern first, then lengths)."""
    prefix = f"Value '{value}' at '{member}' failed to satisfy constraint: Member must"
    violations: list[str] = []
    if not _NAME.fullmatch(value):
        violations.append(f"{prefix} satisfy regular expression pattern: {NAME_PATTERN}")
    if len(value) < MIN_NAME_LENGTH:
        violations.append(f"{prefix} have length greater than or equal to {MIN_NAME_LENGTH}")
    if len(value) > MAX_NAME_LENGTH:
        violations.append(f"{prefix} have length less than or equal to {MAX_NAME_LENGTH}")
    return violations


def validate_table_name(value: str) -> None:
    violations = name_violations(value, "tableName")
    if violations:
        raise ValidationException.from_violations(violations)


def resolve_table_name(settings: Settings, value: str) -> str:
    """The table name a request means: TableName given as a name, or as a table ARN of this account."""
    if value.startswith("arn:"):
        name = table_name_from_arn(settings, value)
        if name is None or name_violations(name, "tableName"):
            raise ValidationException(f"Invalid TableArn: Invalid ResourceArn provided as input {value}")
        return name
    validate_table_name(value)
    return value
