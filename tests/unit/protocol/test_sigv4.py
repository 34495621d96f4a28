"""protocol/sigv4.py and auth.Authenticator: botocore's signer produces requests, our verifier must accept
exactly those and refuse any change to them, with AWS's errors."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from unittest import mock
from urllib.parse import urlsplit

import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from shardline.clock import FakeClock
from shardline.credentials import CredentialStore
from shardline.errors import (
    IncompleteSignatureException,
    InvalidSignatureException,
    MissingAuthenticationTokenException,
    UnrecognizedClientException,
)
from shardline.protocol.auth import Authenticator
from shardline.protocol.sigv4 import SignedRequest

SIGNED_AT = datetime.datetime(2024, 5, 1, 12, 0, 0)
SIGNED_AT_EPOCH = SIGNED_AT.replace(tzinfo=datetime.UTC).timestamp()
KEYS = CredentialStore({"AKIDEXAMPLE": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "other": "s3cret"})
BODY = b'{"TableName": "orders"}'
MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
    "Access Key and signing method. Consult the service documentation for details."
)


@pytest.fixture(autouse=True)
def frozen_signing_time() -> Iterator[None]:
    # botocore stamps requests with its own clock; pin it so that our FakeClock can be placed around it.
    with mock.patch("botocore.auth.get_current_datetime", return_value=SIGNED_AT):
        yield


def botocore_request(
    url: str = "http://127.0.0.1:8000/", body: bytes = BODY, extra: dict[str, str] | None = None
) -> AWSRequest:
    headers = {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": "DynamoDB_20120810.DescribeTable",
        **(extra or {}),
    }
    return AWSRequest(method="POST", url=url, data=body, headers=headers)


def sign(
    request: AWSRequest, key: str = "AKIDEXAMPLE", secret: str | None = None, service: str = "dynamodb",
    region: str = "us-east-1", presign: bool = False,
) -> AWSRequest:
    secret = secret if secret is not None else (KEYS.secret_for(key) or "unknown-secret")
    credentials = Credentials(key, secret)
    signer = SigV4QueryAuth(credentials, service, region, expires=60) if presign else SigV4Auth(
        credentials, service, region
    )
    signer.add_auth(request)
    return request


def wire_form(request: AWSRequest, host: str = "127.0.0.1:8000") -> tuple[dict[str, str], SignedRequest]:
    """The request as the server sees it: lower-case header names, the Host header, the raw path/query."""
    url = urlsplit(request.url)
    headers = [(name.lower(), str(value)) for name, value in request.headers.items()]
    headers.append(("host", host))
    body = request.body if isinstance(request.body, bytes) else (request.body or "").encode()
    return dict(headers), SignedRequest("POST", url.path or "/", url.query, tuple(headers), body)


def authenticate(request: AWSRequest, clock_offset: float = 0.0, **wire: str) -> None:
    headers, signed = wire_form(request, **wire)
    Authenticator(KEYS, FakeClock(SIGNED_AT_EPOCH + clock_offset)).authenticate(headers, signed)


def test_a_botocore_signed_request_is_accepted() -> None:
    authenticate(sign(botocore_request()))


def test_a_presigned_request_is_accepted() -> None:
    authenticate(sign(botocore_request(), presign=True))


def test_any_region_in_the_scope_is_accepted() -> None:
    authenticate(sign(botocore_request(), region="eu-west-3"))


def test_path_and_query_are_canonicalised_like_the_signer() -> None:
    authenticate(sign(botocore_request("http://127.0.0.1:8000/a%20b/./c/?z=1&a=%2F&a=0&empty=")))


def test_unsigned_payload_header_is_honoured() -> None:
    request = sign(botocore_request(extra={"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"}))
    authenticate(request)


@pytest.mark.parametrize("offset", [-15 * 60, 15 * 60])
def test_clock_skew_up_to_fifteen_minutes_is_accepted(offset: float) -> None:
    authenticate(sign(botocore_request()), clock_offset=offset)


def test_an_unknown_access_key_is_unrecognized() -> None:
    with pytest.raises(UnrecognizedClientException) as refused:
        authenticate(sign(botocore_request(), key="nobody", secret="whatever"))
    assert refused.value.message == "The security token included in the request is invalid."


def test_a_wrong_secret_is_an_invalid_signature() -> None:
    with pytest.raises(InvalidSignatureException) as refused:
        authenticate(sign(botocore_request(), secret="not-the-secret"))
    assert refused.value.message == MISMATCH


@pytest.mark.parametrize("presign", [False, True])
def test_a_changed_body_is_an_invalid_signature(presign: bool) -> None:
    request = sign(botocore_request(), presign=presign)
    request.data = BODY.replace(b"orders", b"people")
    authenticate_expecting_mismatch(request)


def authenticate_expecting_mismatch(request: AWSRequest, **wire: str) -> None:
    with pytest.raises(InvalidSignatureException) as refused:
        authenticate(request, **wire)
    assert refused.value.message == MISMATCH


def test_a_changed_signed_header_is_an_invalid_signature() -> None:
    request = sign(botocore_request())
    request.headers.replace_header("X-Amz-Target", "DynamoDB_20120810.DeleteTable")
    authenticate_expecting_mismatch(request)


def test_a_different_host_is_an_invalid_signature() -> None:
    authenticate_expecting_mismatch(sign(botocore_request()), host="evil.example:8000")


def test_a_changed_query_is_an_invalid_signature() -> None:
    request = sign(botocore_request("http://127.0.0.1:8000/?a=1"))
    request.url = "http://127.0.0.1:8000/?a=2"
    authenticate_expecting_mismatch(request)


def test_a_false_content_sha256_is_an_invalid_signature() -> None:
    request = sign(botocore_request(extra={"X-Amz-Content-SHA256": "0" * 64}))
    authenticate_expecting_mismatch(request)


def test_a_truncated_signature_is_an_invalid_signature() -> None:
    request = sign(botocore_request())
    request.headers.replace_header("Authorization", str(request.headers["Authorization"])[:-1])
    authenticate_expecting_mismatch(request)


def test_the_signature_must_be_scoped_to_dynamodb() -> None:
    with pytest.raises(InvalidSignatureException) as refused:
        authenticate(sign(botocore_request(), service="sqs"))
    assert refused.value.message == "Credential should be scoped to correct service: 'dynamodb'. "


def test_an_old_signature_has_expired() -> None:
    with pytest.raises(InvalidSignatureException) as refused:
        authenticate(sign(botocore_request()), clock_offset=15 * 60 + 1)
    assert refused.value.message == (
        "Signature expired: 20240501T120000Z is now earlier than 20240501T120001Z (20240501T121501Z - 15 min.)"
    )


def test_a_future_signature_is_not_yet_current() -> None:
    with pytest.raises(InvalidSignatureException) as refused:
        authenticate(sign(botocore_request()), clock_offset=-(15 * 60 + 1))
    assert refused.value.message == (
        "Signature not yet current: 20240501T120000Z is still later than 20240501T115959Z "
        "(20240501T114459Z + 15 min.)"
    )


def test_a_presigned_request_expires_by_the_same_window() -> None:
    with pytest.raises(InvalidSignatureException) as refused:
        authenticate(sign(botocore_request(), presign=True), clock_offset=20 * 60)
    assert refused.value.message.startswith("Signature expired: 20240501T120000Z is now earlier than")


def test_a_missing_signature_is_still_missing_under_auth() -> None:
    headers, signed = wire_form(botocore_request())
    with pytest.raises(MissingAuthenticationTokenException) as refused:
        Authenticator(KEYS, FakeClock(SIGNED_AT_EPOCH)).authenticate(headers, signed)
    assert refused.value.message == "Request is missing Authentication Token"


def test_a_malformed_credential_is_refused_not_crashed() -> None:
    request = sign(botocore_request())
    broken = str(request.headers["Authorization"]).replace("Credential=AKIDEXAMPLE/", "Credential=AKIDEXAMPLE")
    request.headers.replace_header("Authorization", broken)
    authenticate_expecting_mismatch(request)


def test_without_credentials_any_well_formed_signature_passes() -> None:
    headers, signed = wire_form(sign(botocore_request(), key="nobody", secret="x"))
    Authenticator().authenticate(headers, signed)
    with pytest.raises(IncompleteSignatureException):
        Authenticator().authenticate({"authorization": "AWS4-HMAC-SHA256 Credential=a"}, signed)


def test_the_lambda_api_expects_the_lambda_signing_name() -> None:
    headers, signed = wire_form(sign(botocore_request(), service="lambda"))
    Authenticator(KEYS, FakeClock(SIGNED_AT_EPOCH)).authenticate(headers, signed, service="lambda")
    with pytest.raises(InvalidSignatureException) as refused:
        Authenticator(KEYS, FakeClock(SIGNED_AT_EPOCH)).authenticate(headers, signed)
    assert refused.value.message == "Credential should be scoped to correct service: 'dynamodb'. "
