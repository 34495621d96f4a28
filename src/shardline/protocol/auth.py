"""SigV4 presence and shape checks, with AWS's messages; well-formed credentials are accepted.

Signatures are not verified: any key pair works, as with DynamoDB Local. The checks and their order
follow what DynamoDB answers (recorded in dynalite's AWS-validated connection tests).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import parse_qs

from shardline.errors import (
    IncompleteSignatureException,
    InvalidSignatureException,
    MissingAuthenticationTokenException,
)

_HEADER_PARAMETERS = ("Credential", "Signature", "SignedHeaders")
_QUERY_PARAMETERS = (
    "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date",
)
_SEPARATORS = re.compile(r"[, ]")


def check_authentication(headers: Mapping[str, str], query_string: str) -> None:
    """Raises the coral error AWS sends for a missing or malformed signature. `headers` have
    lower-case names."""
    authorization = headers.get("authorization")
    query = parse_qs(query_string, keep_blank_values=True) if "X-Amz-Algorithm" in query_string else {}
    presigned = "X-Amz-Algorithm" in query

    if authorization is not None and presigned:
        raise InvalidSignatureException(
            "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."
        )
    if authorization is None and not presigned:
        raise MissingAuthenticationTokenException("Request is missing Authentication Token")
    if authorization is not None:
        if not authorization.strip().startswith("AWS4-"):
            raise MissingAuthenticationTokenException("Request is missing Authentication Token")
        _check_authorization_header(authorization, headers)
    else:
        _check_presigned_query(query)


def _check_authorization_header(authorization: str, headers: Mapping[str, str]) -> None:
    # "AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…": the algorithm, then key=value
    # pairs separated by commas and/or spaces.
    pairs: dict[str, str] = {}
    for piece in _SEPARATORS.split(authorization)[1:]:
        if not piece:
            continue
        name, _, value = piece.strip().partition("=")
        pairs[name] = value
    problems = [
        f"Authorization header requires '{name}' parameter. "
        for name in _HEADER_PARAMETERS
        if not pairs.get(name)
    ]
    if "x-amz-date" not in headers and "date" not in headers:
        problems.append(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        )
    if problems:
        raise IncompleteSignatureException("".join(problems) + "Authorization=" + authorization)


def _check_presigned_query(query: Mapping[str, list[str]]) -> None:
    problems = [
        f"AWS query-string parameters must include '{name}'. "
        for name in _QUERY_PARAMETERS
        if not any(query.get(name, []))
    ]
    if problems:
        raise IncompleteSignatureException("".join(problems) + "Re-examine the query-string parameters.")
