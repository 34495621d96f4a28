"""The one place exceptions become wire errors: {"__type": "<namespace>#<code>", "message": …, **extra}.

A renderer is found by walking the exception's MRO, so a subclass inherits its parent's rendering unless
it has its own entry. Anything that is not a ServiceError becomes a 500 InternalServerError whose
traceback is logged here and never sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import orjson

from shardline.errors import (
    InternalServerError,
    SerializationException,
    ServiceError,
    StorageError,
)

log = logging.getLogger("shardline.protocol")

Rendered = tuple[int, dict[str, Any]]
Renderer = Callable[[BaseException, str], Rendered]


def _service_error(error: BaseException, request_id: str) -> Rendered:
    assert isinstance(error, ServiceError)
    body: dict[str, Any] = {"__type": error.wire_type()}
    # Coral-level errors such as UnknownOperationException and a malformed-JSON SerializationException
    # carry no message at all on AWS, so an empty message is left out rather than sent as "".
    if error.message:
        body[error.message_key] = error.message
    body.update(error.extra)
    return error.http_status, body


def _serialization_error(error: BaseException, request_id: str) -> Rendered:
    assert isinstance(error, SerializationException)
    status, body = _service_error(error, request_id)
    # AWS's type-mismatch SerializationExceptions spell the key "Message" (dynalite's AWS-verified
    # assertSerialization); botocore reads either spelling.
    if "message" in body:
        body["Message"] = body.pop("message")
    return status, body


def _internal_error(error: BaseException, request_id: str) -> Rendered:
    log.error("request %s failed", request_id, exc_info=error)
    internal = InternalServerError()
    return internal.http_status, {"__type": internal.wire_type(), "message": internal.message}


_RENDERERS: dict[type[BaseException], Renderer] = {
    SerializationException: _serialization_error,
    ServiceError: _service_error,
    StorageError: _internal_error,
    BaseException: _internal_error,
}


def error_payload(error: BaseException, request_id: str) -> Rendered:
    """The HTTP status and JSON object for an exception."""
    for klass in type(error).__mro__:
        renderer = _RENDERERS.get(klass)
        if renderer is not None:
            return renderer(error, request_id)
    return _internal_error(error, request_id)  # pragma: no cover - BaseException is always in the MRO


def render_error(error: BaseException, request_id: str) -> tuple[int, bytes]:
    """The HTTP status and serialized body for an exception."""
    status, body = error_payload(error, request_id)
    try:
        return status, orjson.dumps(body)
    except TypeError:
        # `extra` held something orjson cannot encode: still answer, as a logged internal error.
        status, body = _internal_error(error, request_id)
        return status, orjson.dumps(body)
