"""CreateTable's cross-field rules for billing, key schema and attribute definitions, streams and SSE,
in the order AWS reports them (dynalite's AWS-verified order, extended from recorded AWS messages)."""

from __future__ import annotations

from collections.abc import Sequence

from shardline.errors import ValidationException
from shardline.operations.tables.definition import PAY_PER_REQUEST, KeyElement
from shardline.operations.tables.specifications import (
    INVALID,
    SseRequest,
    StreamRequest,
    ThroughputRequest,
)

# AWS rejects capacity above this with "Given value ... is out of bounds" before any limit check.
MAX_CAPACITY_UNITS = 1_000_000_000_000


def names_list(names: Sequence[str]) -> str:
    return "[" + ", ".join(names) + "]"


def check_capacity_bounds(throughput: ThroughputRequest) -> None:
    if throughput.read > MAX_CAPACITY_UNITS:
        raise ValidationException(f"Given value {throughput.read} for ReadCapacityUnits is out of bounds")
    if throughput.write > MAX_CAPACITY_UNITS:
        raise ValidationException(f"Given value {throughput.write} for WriteCapacityUnits is out of bounds")


def check_billing(billing_mode: str, throughput: ThroughputRequest | None) -> None:
    if billing_mode == PAY_PER_REQUEST:
        if throughput is not None:
            raise ValidationException(
                INVALID + "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when "
                "BillingMode is PAY_PER_REQUEST"
            )
        return
    if throughput is None:
        raise ValidationException(
            INVALID + "ReadCapacityUnits and WriteCapacityUnits must both be specified when "
            "BillingMode is PROVISIONED"
        )
    check_capacity_bounds(throughput)


def check_required_lists(attribute_types: object, key_schema: object) -> None:
    """The model no longer marks these required, but AWS still rejects a CreateTable without them."""
    violations = [
        f"Value null at '{member}' failed to satisfy constraint: Member must not be null"
        for member, value in (("attributeDefinitions", attribute_types), ("keySchema", key_schema))
        if value is None
    ]
    if violations:
        raise ValidationException.from_violations(violations)


def check_attribute_definitions(attribute_types: Sequence[tuple[str, str]]) -> None:
    seen: set[str] = set()
    for name, _ in attribute_types:
        if name in seen:
            raise ValidationException(f"Attribute Name is duplicated: {name}")
        seen.add(name)


def check_key_elements(elements: Sequence[KeyElement], defined: Sequence[str]) -> None:
    """The rules every key schema (table, LSI, GSI) follows."""
    names = [element.name for element in elements]
    if any(name not in defined for name in names):
        raise ValidationException(
            INVALID + "Some index key attributes are not defined in AttributeDefinitions. "
            f"Keys: {names_list(names)}, AttributeDefinitions: {names_list(defined)}"
        )
    if len(names) == 2 and names[0] == names[1]:
        raise ValidationException(
            "Both the Hash Key and the Range Key element in the KeySchema have the same name"
        )
    if elements[0].key_type != "HASH":
        raise ValidationException("Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
    if len(elements) == 2 and elements[1].key_type != "RANGE":
        raise ValidationException("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type")


def check_table_key_schema(
    elements: Sequence[KeyElement], attribute_types: Sequence[tuple[str, str]], has_indexes: bool
) -> None:
    defined = [name for name, _ in attribute_types]
    check_attribute_definitions(attribute_types)
    if len(elements) > len(defined):
        raise ValidationException("Invalid KeySchema: Some index key attribute have no definition")
    check_key_elements(elements, defined)
    if not has_indexes and len(elements) != len(defined):
        raise ValidationException(
            INVALID + "Number of attributes in KeySchema does not exactly match number of attributes "
            "defined in AttributeDefinitions"
        )


def check_definitions_used(attribute_types: Sequence[tuple[str, str]], used: Sequence[str]) -> None:
    defined = [name for name, _ in attribute_types]
    if any(name not in used for name in defined):
        raise ValidationException(
            INVALID + f"Some AttributeDefinitions are not used. AttributeDefinitions: {names_list(defined)}, "
            f"keys used: {names_list(used)}"
        )


def check_create_stream(stream: StreamRequest | None) -> None:
    if stream is None:
        return
    if stream.enabled and stream.view_type is None:
        raise ValidationException(
            INVALID + "Table is being created with a stream enabled, UpdateViewType is required"
        )
    if not stream.enabled and stream.view_type is not None:
        raise ValidationException(
            INVALID + "Table is being created with a stream disabled, UpdateViewType should not be specified"
        )


def check_sse(sse: SseRequest | None) -> None:
    if sse is None:
        return
    if not sse.enabled:
        if sse.sse_type is not None:
            raise ValidationException(INVALID + "SSEType can not be specified if Enabled is false")
        if sse.kms_key_id is not None:
            raise ValidationException(INVALID + "KMSMasterKeyId can not be specified if Enabled is false")
        return
    if sse.sse_type == "AES256":
        raise ValidationException(INVALID + "SSEType AES256 is not supported")
