"""SigV4 presence and shape checks with AWS's messages, then, under `serve --auth FILE`, verification of
the signature against known keys. Without --auth any well-formed credentials work, as with DynamoDB Local.
The shape checks and their order follow what DynamoDB answers (dynalite's AWS-validated connection tests).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

from shardline.clock import Clock, SystemClock
from shardline.credentials import CredentialStore
from shardline.errors import (
    IncompleteSignatureException,
    InvalidSignatureException,
    MissingAuthenticationTokenException,
    UnrecognizedClientException,
)
from shardline.protocol import sigv4
from shardline.protocol.sigv4 import SignatureClaim, SignedRequest, UnreadableSignature

_HEADER_PARAMETERS = ("Credential", "Signature", "SignedHeaders")
_QUERY_PARAMETERS = (
    "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date",
)


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
    # Split at every comma and at every space (as re.split("[, ]") would, at a fraction of its cost).
    for piece in authorization.replace(",", " ").split(" ")[1:]:
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


SIGNING_SERVICE = "dynamodb"  # DynamoDB Streams signs as "dynamodb" too
# DynamoDB accepts a request time up to 15 minutes either side of its clock, pre-signed requests included:
# services other than S3 ignore X-Amz-Expires.
ALLOWED_SKEW = timedelta(minutes=15)
SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
    "Access Key and signing method. Consult the service documentation for details."
)
UNKNOWN_ACCESS_KEY = "The security token included in the request is invalid."


class Authenticator:
    """The authentication step of the pipeline (and of the /-/ controls). With no credential store it
    checks presence and shape only; with one, it verifies every signature."""

    def __init__(self, credentials: CredentialStore | None = None, clock: Clock | None = None) -> None:
        self._credentials = credentials
        self._clock: Clock = clock if clock is not None else SystemClock()

    @property
    def verifies(self) -> bool:
        return self._credentials is not None

    def authenticate(self, headers: Mapping[str, str], request: SignedRequest, service: str = SIGNING_SERVICE) -> None:
        """`service`: the signing name the credential scope must carry ("lambda" for the Lambda API)."""
        check_authentication(headers, request.query_string)
        if self._credentials is not None:
            self._verify(self._credentials, headers, request, service)

    def _verify(
        self, credentials: CredentialStore, headers: Mapping[str, str], request: SignedRequest, service: str
    ) -> None:
        try:
            claim = _claim_of(headers, request)
        except UnreadableSignature:
            raise InvalidSignatureException(SIGNATURE_MISMATCH) from None
        secret = credentials.secret_for(claim.access_key_id)
        if secret is None:
            raise UnrecognizedClientException(UNKNOWN_ACCESS_KEY)
        if claim.service != service:
            raise InvalidSignatureException(f"Credential should be scoped to correct service: '{service}'. ")
        self._check_time(claim.timestamp)
        if sigv4.declared_hash_is_false(request):
            raise InvalidSignatureException(SIGNATURE_MISMATCH)
        expected = sigv4.expected_signature(request, claim, secret, sigv4.payload_hash(request))
        if not sigv4.signatures_match(expected, claim.signature):
            raise InvalidSignatureException(SIGNATURE_MISMATCH)

    def _check_time(self, signed_at: datetime) -> None:
        now = datetime.fromtimestamp(self._clock.now(), UTC).replace(microsecond=0)
        earliest, latest = now - ALLOWED_SKEW, now + ALLOWED_SKEW
        stamp = sigv4.format_amz_date
        if signed_at < earliest:
            raise InvalidSignatureException(
                f"Signature expired: {stamp(signed_at)} is now earlier than {stamp(earliest)} ({stamp(now)} - 15 min.)"
            )
        if signed_at > latest:
            raise InvalidSignatureException(
                f"Signature not yet current: {stamp(signed_at)} is still later than {stamp(latest)} "
                f"({stamp(now)} + 15 min.)"
            )


def _claim_of(headers: Mapping[str, str], request: SignedRequest) -> SignatureClaim:
    authorization = headers.get("authorization")
    if authorization is not None:
        return sigv4.claim_from_authorization(authorization, request.headers)
    return sigv4.claim_from_query(sigv4.split_query(request.query_string))
