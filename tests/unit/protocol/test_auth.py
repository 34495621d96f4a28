"""protocol/auth.py: AWS's answers to missing and malformed SigV4 credentials."""

from __future__ import annotations

import pytest

from shardline.errors import (
    IncompleteSignatureException,
    InvalidSignatureException,
    MissingAuthenticationTokenException,
)
from shardline.protocol.auth import check_authentication

GOOD = (
    "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=host;x-amz-date;x-amz-target, Signature=abcdef"
)


def test_well_formed_header_is_accepted() -> None:
    check_authentication({"authorization": GOOD, "x-amz-date": "20240101T000000Z"}, "")


def test_complete_presigned_query_is_accepted() -> None:
    query = (
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a&X-Amz-Signature=b&X-Amz-SignedHeaders=host"
        "&X-Amz-Date=20240101T000000Z"
    )
    check_authentication({}, query)


@pytest.mark.parametrize("headers", [{}, {"authorization": "AWS4"}, {"authorization": "Bearer x"}])
def test_missing_token(headers: dict[str, str]) -> None:
    with pytest.raises(MissingAuthenticationTokenException) as raised:
        check_authentication(headers, "")
    assert raised.value.message == "Request is missing Authentication Token"


def test_header_and_query_together() -> None:
    with pytest.raises(InvalidSignatureException) as raised:
        check_authentication({"authorization": GOOD}, "X-Amz-Algorithm=AWS4-HMAC-SHA256")
    assert raised.value.message == (
        "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."
    )


def test_header_without_date() -> None:
    with pytest.raises(IncompleteSignatureException) as raised:
        check_authentication({"authorization": GOOD}, "")
    assert raised.value.message == (
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        f"Authorization={GOOD}"
    )


def test_header_missing_every_part() -> None:
    with pytest.raises(IncompleteSignatureException) as raised:
        check_authentication({"authorization": "AWS4-", "date": "x"}, "")
    assert raised.value.message == (
        "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' "
        "parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-"
    )


def test_empty_presigned_query() -> None:
    with pytest.raises(IncompleteSignatureException) as raised:
        check_authentication({}, "X-Amz-Algorithm")
    assert raised.value.message == (
        "AWS query-string parameters must include 'X-Amz-Algorithm'. "
        "AWS query-string parameters must include 'X-Amz-Credential'. "
        "AWS query-string parameters must include 'X-Amz-Signature'. "
        "AWS query-string parameters must include 'X-Amz-SignedHeaders'. "
        "AWS query-string parameters must include 'X-Amz-Date'. "
        "Re-examine the query-string parameters."
    )
