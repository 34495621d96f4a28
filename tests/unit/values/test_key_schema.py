"""Key and item-key checks with AWS's wording, key extraction and storage-key encoding."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from shardline.errors import ValidationException
from shardline.storage.backend import ItemKey
from shardline.values.key_codec import encode_key_value
from shardline.values.key_schema import (
    KeySchema,
    encode_item_key,
    extract_key,
    validate_item_key,
    validate_key,
)

from .case_files import load_cases

CASES = load_cases("key_schema.json")
SCHEMAS = {name: KeySchema(**fields) for name, fields in CASES["schemas"].items()}


def expand(value: Any) -> Any:
    """Case files spell long values as {"repeat": text, "times": n} or {"bytes": n}."""
    if isinstance(value, dict) and "repeat" in value:
        return value["repeat"] * value["times"]
    if isinstance(value, dict) and "bytes" in value:
        return base64.b64encode(b"\x01" * value["bytes"]).decode()
    if isinstance(value, dict):
        return {key: expand(member) for key, member in value.items()}
    return value


def check(function: Any, schema: KeySchema, attributes: dict[str, Any], message: str | None) -> None:
    if message is None:
        function(schema, attributes)
        return
    with pytest.raises(ValidationException) as raised:
        function(schema, attributes)
    assert raised.value.message == message


@pytest.mark.parametrize("case", CASES["validate_key"], ids=lambda case: case["name"])
def test_validate_key(case: dict[str, Any]) -> None:
    check(validate_key, SCHEMAS[case["schema"]], expand(case["key"]), case["message"])


@pytest.mark.parametrize("case", CASES["validate_item_key"], ids=lambda case: case["name"])
def test_validate_item_key(case: dict[str, Any]) -> None:
    check(validate_item_key, SCHEMAS[case["schema"]], expand(case["item"]), case["message"])


def test_names() -> None:
    assert SCHEMAS["hash_s"].names() == ("pk",)
    assert SCHEMAS["range_s"].names() == ("pk", "sk")


def test_extract_key_keeps_only_key_attributes() -> None:
    item = {"pk": {"S": "a"}, "sk": {"S": "b"}, "x": {"N": "1"}}
    assert extract_key(SCHEMAS["range_s"], item) == {"pk": {"S": "a"}, "sk": {"S": "b"}}
    assert extract_key(SCHEMAS["hash_s"], item) == {"pk": {"S": "a"}}


def test_extract_key_of_item_without_key_is_a_validation_error() -> None:
    with pytest.raises(ValidationException) as raised:
        extract_key(SCHEMAS["range_s"], {"pk": {"S": "a"}})
    assert raised.value.message == "One or more parameter values were invalid: Missing the key sk in the item"


def test_encode_item_key() -> None:
    hash_only = encode_item_key(SCHEMAS["hash_s"], {"pk": {"S": "a"}, "x": {"S": "ignored"}})
    assert hash_only == ItemKey(partition=b"a", sort=b"")
    with_sort = encode_item_key(SCHEMAS["range_s"], {"pk": {"S": "a"}, "sk": {"S": "b"}})
    assert with_sort == ItemKey(partition=b"a", sort=encode_key_value({"S": "b"}))
    numeric = encode_item_key(SCHEMAS["hash_n"], {"pk": {"N": "1.0"}})
    assert numeric == encode_item_key(SCHEMAS["hash_n"], {"pk": {"N": "1"}})


def test_encode_item_key_without_key_attributes_is_a_validation_error() -> None:
    with pytest.raises(ValidationException) as raised:
        encode_item_key(SCHEMAS["range_s"], {"pk": {"S": "a"}})
    assert raised.value.message == "The provided key element does not match the schema"
