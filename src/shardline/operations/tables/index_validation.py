"""The rules for secondary indexes given to CreateTable (and GSIs created by UpdateTable)."""

from __future__ import annotations

from collections.abc import Sequence

from shardline.errors import ValidationException
from shardline.operations.tables.definition import PAY_PER_REQUEST, KeyElement
from shardline.operations.tables.specifications import INVALID, IndexRequest, ProjectionRequest
from shardline.operations.tables.table_validation import check_capacity_bounds, check_key_elements

MAX_LOCAL_INDEXES = 5
MAX_GLOBAL_INDEXES = 20


def check_projection(projection: ProjectionRequest) -> None:
    projection_type = projection.projection_type
    if projection_type is None:
        raise ValidationException(INVALID + "Unknown ProjectionType: null")
    non_key = projection.non_key_attributes
    if non_key is not None and projection_type != "INCLUDE":
        raise ValidationException(
            INVALID + f"ProjectionType is {projection_type}, but NonKeyAttributes is specified"
        )
    if non_key is None and projection_type == "INCLUDE":
        raise ValidationException(
            INVALID + "ProjectionType is INCLUDE, but NonKeyAttributes is not specified"
        )
    seen: set[str] = set()
    for name in non_key or ():
        if name in seen:
            raise ValidationException(INVALID + f"Duplicate element in NonKeyAttributes: {name}")
        seen.add(name)


def check_global_index_throughput(index: IndexRequest, billing_mode: str) -> None:
    if billing_mode == PAY_PER_REQUEST:
        if index.throughput is not None:
            raise ValidationException(
                INVALID + f"ProvisionedThroughput should not be specified for index: {index.name} "
                "when BillingMode is PAY_PER_REQUEST"
            )
        return
    if index.throughput is None:
        raise ValidationException(INVALID + f"ProvisionedThroughput is not specified for index: {index.name}")
    check_capacity_bounds(index.throughput)


def check_local_indexes(
    indexes: Sequence[IndexRequest],
    table_keys: Sequence[KeyElement],
    defined: Sequence[str],
    seen_names: set[str],
) -> None:
    if not indexes:
        raise ValidationException(INVALID + "List of LocalSecondaryIndexes is empty")
    if len(table_keys) != 2:
        raise ValidationException(
            INVALID + "Table KeySchema does not have a range key, which is required when specifying a "
            "LocalSecondaryIndex"
        )
    table_hash = table_keys[0].name
    for index in indexes:
        check_key_elements(index.key_elements, defined)
        if len(index.key_elements) != 2:
            raise ValidationException(
                INVALID + f"Index KeySchema does not have a range key for index: {index.name}"
            )
        index_hash = index.key_elements[0].name
        if index_hash != table_hash:
            raise ValidationException(
                INVALID + "Index KeySchema does not have the same leading hash key as table KeySchema for "
                f"index: {index.name}. index hash key: {index_hash}, table hash key: {table_hash}"
            )
        check_projection(index.projection)
        _claim_name(index.name, seen_names)
    if len(indexes) > MAX_LOCAL_INDEXES:
        raise ValidationException(
            INVALID + f"Number of LocalSecondaryIndexes exceeds per-table limit of {MAX_LOCAL_INDEXES}"
        )


def check_global_indexes(
    indexes: Sequence[IndexRequest], defined: Sequence[str], billing_mode: str, seen_names: set[str]
) -> None:
    if not indexes:
        raise ValidationException(INVALID + "List of GlobalSecondaryIndexes is empty")
    for index in indexes:
        check_key_elements(index.key_elements, defined)
        check_projection(index.projection)
        check_global_index_throughput(index, billing_mode)
        _claim_name(index.name, seen_names)
    if len(indexes) > MAX_GLOBAL_INDEXES:
        raise ValidationException(
            INVALID + f"GlobalSecondaryIndex count exceeds the per-table limit of {MAX_GLOBAL_INDEXES}"
        )


def _claim_name(name: str, seen_names: set[str]) -> None:
    if name in seen_names:
        raise ValidationException(INVALID + f"Duplicate index name: {name}")
    seen_names.add(name)
