"""The one exception hierarchy of shardline; protocol/error_envelope.py renders it on the wire.

    ShardlineError                          never rendered directly
    ├── ServiceError                        {"__type": "<namespace>#<code>", "message": …, **extra}
    │   ├── ClientError (HTTP 400)
    │   │   ├── coral service errors        SerializationException, UnknownOperationException, auth errors
    │   │   ├── ValidationException         com.amazon.coral.validate
    │   │   └── DynamoDB errors             ResourceNotFoundException, ConditionalCheckFailedException, …
    │   └── ServerError (HTTP 500)          InternalServerError
    └── StorageError                        backend faults; rendered as InternalServerError
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

CORAL_SERVICE = "com.amazon.coral.service"
CORAL_VALIDATE = "com.amazon.coral.validate"
DYNAMODB = "com.amazonaws.dynamodb.v20120810"

MAX_REPORTED_VIOLATIONS = 10


class ShardlineError(Exception):
    """Base of every exception shardline raises on purpose."""


class ServiceError(ShardlineError):
    """An error that has a wire form: a code, a namespace, an HTTP status and a message."""

    namespace: ClassVar[str] = DYNAMODB
    http_status: ClassVar[int] = 400
    message_key: ClassVar[str] = "message"
    default_message: ClassVar[str] = ""

    def __init__(self, message: str | None = None, extra: Mapping[str, Any] | None = None) -> None:
        self.message = self.default_message if message is None else message
        self.extra: dict[str, Any] = dict(extra or {})
        super().__init__(self.message)

    @classmethod
    def code(cls) -> str:
        return cls.__name__

    def wire_type(self) -> str:
        return f"{self.namespace}#{self.code()}"


class ClientError(ServiceError):
    http_status = 400


class ServerError(ServiceError):
    http_status = 500


# --- coral service level: framing, dispatch and authentication -------------------------------------


class SerializationException(ClientError):
    namespace = CORAL_SERVICE


class UnknownOperationException(ClientError):
    namespace = CORAL_SERVICE


class MissingAuthenticationTokenException(ClientError):
    namespace = CORAL_SERVICE
    http_status = 400


class IncompleteSignatureException(ClientError):
    namespace = CORAL_SERVICE


class InvalidSignatureException(ClientError):
    namespace = CORAL_SERVICE


class UnrecognizedClientException(ClientError):
    namespace = CORAL_SERVICE


class AccessDeniedException(ClientError):
    namespace = CORAL_SERVICE


class RequestEntityTooLargeException(ClientError):
    namespace = CORAL_SERVICE
    http_status = 413


# --- validation --------------------------------------------------------------------------------------


class ValidationException(ClientError):
    namespace = CORAL_VALIDATE

    @classmethod
    def from_violations(cls, violations: Iterable[str]) -> ValidationException:
        """AWS's aggregated form: "N validation error(s) detected: a; b", listing at most ten."""
        found = list(violations)
        count = len(found)
        noun = "error" if count == 1 else "errors"
        shown = "; ".join(found[:MAX_REPORTED_VIOLATIONS])
        return cls(f"{count} validation {noun} detected: {shown}")


# --- DynamoDB service errors ---------------------------------------------------------------------------


class ResourceNotFoundException(ClientError):
    default_message = "Requested resource not found"


class ResourceInUseException(ClientError):
    pass


class ConditionalCheckFailedException(ClientError):
    default_message = "The conditional request failed"


class TransactionCanceledException(ClientError):
    message_key = "Message"


class TransactionConflictException(ClientError):
    pass


class TransactionInProgressException(ClientError):
    message_key = "Message"


class IdempotentParameterMismatchException(ClientError):
    message_key = "Message"


class LimitExceededException(ClientError):
    pass


class ItemCollectionSizeLimitExceededException(ClientError):
    pass


class ProvisionedThroughputExceededException(ClientError):
    pass


class RequestLimitExceeded(ClientError):
    pass


class ThrottlingException(ClientError):
    namespace = CORAL_SERVICE


class ExpiredIteratorException(ClientError):
    pass


class TrimmedDataAccessException(ClientError):
    pass


class InternalServerError(ServerError):
    default_message = "Internal server error"


class StorageError(ShardlineError):
    """A fault inside a storage backend; reaches clients only as InternalServerError."""
