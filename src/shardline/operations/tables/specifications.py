"""Typed forms of the request structures CreateTable and UpdateTable share: key schemas, projections,
throughput, index, stream and SSE specifications. The body has passed the model's shape checks already."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from shardline.operations.tables.definition import KeyElement

INVALID = "One or more parameter values were invalid: "


@dataclass(frozen=True)
class ThroughputRequest:
    read: int
    write: int


@dataclass(frozen=True)
class ProjectionRequest:
    projection_type: str | None
    non_key_attributes: tuple[str, ...] | None


@dataclass(frozen=True)
class IndexRequest:
    name: str
    key_elements: tuple[KeyElement, ...]
    projection: ProjectionRequest
    throughput: ThroughputRequest | None


@dataclass(frozen=True)
class StreamRequest:
    enabled: bool
    view_type: str | None


@dataclass(frozen=True)
class SseRequest:
    enabled: bool | None
    sse_type: str | None
    kms_key_id: str | None


def _mapping(raw: Any) -> Mapping[str, Any]:
    return raw if isinstance(raw, Mapping) else {}


def _sequence(raw: Any) -> Sequence[Any]:
    return raw if isinstance(raw, list) else []


def key_elements(raw: Any) -> tuple[KeyElement, ...]:
    return tuple(
        KeyElement(str(_mapping(e).get("AttributeName", "")), str(_mapping(e).get("KeyType", "")))
        for e in _sequence(raw)
    )


def attribute_types(raw: Any) -> tuple[tuple[str, str], ...]:
    return tuple(
        (str(_mapping(d).get("AttributeName", "")), str(_mapping(d).get("AttributeType", "")))
        for d in _sequence(raw)
    )


def throughput(raw: Any) -> ThroughputRequest | None:
    if raw is None:
        return None
    fields = _mapping(raw)
    return ThroughputRequest(
        int(fields.get("ReadCapacityUnits", 0)), int(fields.get("WriteCapacityUnits", 0))
    )


def projection(raw: Any) -> ProjectionRequest:
    fields = _mapping(raw)
    non_key = fields.get("NonKeyAttributes")
    return ProjectionRequest(
        fields.get("ProjectionType"),
        None if non_key is None else tuple(str(name) for name in _sequence(non_key)),
    )


def index(raw: Any) -> IndexRequest:
    fields = _mapping(raw)
    return IndexRequest(
        name=str(fields.get("IndexName", "")),
        key_elements=key_elements(fields.get("KeySchema")),
        projection=projection(fields.get("Projection")),
        throughput=throughput(fields.get("ProvisionedThroughput")),
    )


def indexes(raw: Any) -> tuple[IndexRequest, ...] | None:
    return None if raw is None else tuple(index(entry) for entry in _sequence(raw))


def stream(raw: Any) -> StreamRequest | None:
    if raw is None:
        return None
    fields = _mapping(raw)
    return StreamRequest(bool(fields.get("StreamEnabled", False)), fields.get("StreamViewType"))


def sse(raw: Any) -> SseRequest | None:
    if raw is None:
        return None
    fields = _mapping(raw)
    return SseRequest(fields.get("Enabled"), fields.get("SSEType"), fields.get("KMSMasterKeyId"))


def tags(raw: Any) -> tuple[tuple[str, str], ...]:
    return tuple((str(_mapping(t).get("Key", "")), str(_mapping(t).get("Value", ""))) for t in _sequence(raw))
