"""Lambda's errors for the event-source-mapping API and the triggers file: each renders as Lambda does, a
{"Type": "User", "message"/"Message": …} body with the code in the x-amzn-ErrorType header."""

from __future__ import annotations

from typing import ClassVar

from shardline.errors import ClientError, ServerError

LAMBDA_NAMESPACE = "lambda"


class LambdaError(ClientError):
    """Base of Lambda's client errors; `code()` is the wire code (several share names with DynamoDB's)."""

    namespace = LAMBDA_NAMESPACE
    wire_code: ClassVar[str] = ""
    # Lambda's model spells the message member "message" for some errors and "Message" for others.
    message_key = "message"
    error_kind: ClassVar[str] = "User"

    @classmethod
    def code(cls) -> str:
        return cls.wire_code or cls.__name__


class InvalidParameterValueException(LambdaError):
    http_status = 400


class LambdaValidationException(LambdaError):
    """Lambda's coral-level input validation ("1 validation error detected: …")."""

    wire_code = "ValidationException"
    http_status = 400


class MappingNotFoundException(LambdaError):
    wire_code = "ResourceNotFoundException"
    http_status = 404
    message_key = "Message"
    default_message = "The resource you requested does not exist."


class ResourceConflictException(LambdaError):
    http_status = 409


class LambdaResourceInUseException(LambdaError):
    wire_code = "ResourceInUseException"
    http_status = 400
    message_key = "Message"


class UnsupportedRouteException(LambdaError):
    """A path or method under the Lambda prefix that shardline does not serve."""

    wire_code = "UnknownOperationException"
    http_status = 404


class LambdaServiceException(ServerError):
    namespace = LAMBDA_NAMESPACE
    message_key = "Message"
    default_message = "The trigger runtime is not running in this server."

    @classmethod
    def code(cls) -> str:
        return "ServiceException"


def validation_message(violations: list[str]) -> str:
    """Coral's aggregated form, as Lambda sends it: "1 validation error detected: …"."""
    count = len(violations)
    noun = "error" if count == 1 else "errors"
    return f"{count} validation {noun} detected: " + "; ".join(violations[:10])


class InvalidRequestContentException(LambdaError):
    http_status = 400
