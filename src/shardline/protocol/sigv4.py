"""AWS Signature Version 4, server side: reads the signature a request claims (Authorization header or
pre-signed query), rebuilds the canonical request and string to sign, and computes what it should be."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import quote, unquote

ALGORITHM = "AWS4-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
SCOPE_TERMINATOR = "aws4_request"
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
SIGNATURE_PARAMETER = "X-Amz-Signature"

# Unreserved characters of RFC 3986, the only ones SigV4 leaves unencoded.
_UNRESERVED = "-_.~"


class UnreadableSignature(Exception):
    """The request carries signature parts that cannot be parsed (a bad credential or date)."""


@dataclass(frozen=True)
class SignedRequest:
    """The parts of an HTTP request that SigV4 covers, as they arrived on the wire."""

    method: str
    raw_path: str  # percent-encoded, as sent, without the query
    query_string: str
    headers: Sequence[tuple[str, str]]  # lower-case names, in arrival order, repeats kept
    payload: bytes  # the body as sent, before any Content-Encoding is undone


@dataclass(frozen=True)
class SignatureClaim:
    """What a request says about its own signature."""

    access_key_id: str
    date_stamp: str  # YYYYMMDD of the credential scope
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str
    timestamp: datetime  # the request time that was signed
    amz_date: str  # the same time as it appears in the string to sign
    presigned: bool

    @property
    def scope(self) -> str:
        return f"{self.date_stamp}/{self.region}/{self.service}/{SCOPE_TERMINATOR}"


def header_values(headers: Sequence[tuple[str, str]], name: str) -> list[str]:
    return [value for header, value in headers if header == name]


def claim_from_authorization(authorization: str, headers: Sequence[tuple[str, str]]) -> SignatureClaim:
    """The claim of "AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…"."""
    algorithm, _, rest = authorization.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise UnreadableSignature("algorithm")
    pairs: dict[str, str] = {}
    for piece in rest.replace(",", " ").split():
        name, _, value = piece.partition("=")
        pairs[name] = value
    amz_date, timestamp = _request_time(headers)
    return _claim(
        pairs.get("Credential", ""), pairs.get("SignedHeaders", ""), pairs.get("Signature", ""),
        amz_date, timestamp, presigned=False,
    )


def claim_from_query(query: Sequence[tuple[str, str]]) -> SignatureClaim:
    """The claim of a pre-signed request's X-Amz-* query parameters (already percent-decoded)."""
    values = dict(query)
    if values.get("X-Amz-Algorithm") != ALGORITHM:
        raise UnreadableSignature("algorithm")
    amz_date = values.get("X-Amz-Date", "")
    return _claim(
        values.get("X-Amz-Credential", ""), values.get("X-Amz-SignedHeaders", ""),
        values.get(SIGNATURE_PARAMETER, ""), amz_date, parse_amz_date(amz_date), presigned=True,
    )


def _claim(
    credential: str, signed_headers: str, signature: str, amz_date: str, timestamp: datetime, *, presigned: bool
) -> SignatureClaim:
    # The access key itself may not contain "/", so the last four parts are always the scope.
    parts = credential.rsplit("/", 4)
    if len(parts) != 5 or not parts[0]:
        raise UnreadableSignature("credential")
    access_key_id, date_stamp, region, service, terminator = parts
    if terminator != SCOPE_TERMINATOR:
        raise UnreadableSignature("credential scope")
    return SignatureClaim(
        access_key_id=access_key_id,
        date_stamp=date_stamp,
        region=region,
        service=service,
        signed_headers=tuple(name for name in signed_headers.lower().split(";") if name),
        signature=signature.lower(),
        timestamp=timestamp,
        amz_date=amz_date,
        presigned=presigned,
    )


def _request_time(headers: Sequence[tuple[str, str]]) -> tuple[str, datetime]:
    """X-Amz-Date wins over Date; the string to sign always carries the ISO 8601 basic form."""
    amz_dates = header_values(headers, "x-amz-date")
    if amz_dates:
        return amz_dates[-1].strip(), parse_amz_date(amz_dates[-1].strip())
    dates = header_values(headers, "date")
    if not dates:
        raise UnreadableSignature("date")
    try:
        parsed = parsedate_to_datetime(dates[-1])
    except (TypeError, ValueError, IndexError) as broken:
        raise UnreadableSignature("date") from broken
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).strftime(AMZ_DATE_FORMAT), parsed


def parse_amz_date(text: str) -> datetime:
    try:
        return datetime.strptime(text, AMZ_DATE_FORMAT).replace(tzinfo=UTC)
    except ValueError as broken:
        raise UnreadableSignature("date") from broken


def format_amz_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(AMZ_DATE_FORMAT)


def split_query(query_string: str) -> list[tuple[str, str]]:
    """Query parameters, percent-decoded. A "+" stays a "+": SigV4 clients encode spaces as %20."""
    pairs: list[tuple[str, str]] = []
    for piece in query_string.split("&"):
        if not piece:
            continue
        name, _, value = piece.partition("=")
        pairs.append((unquote(name), unquote(value)))
    return pairs


def canonical_uri(raw_path: str) -> str:
    """Every service but S3 normalises the path and then encodes the (already encoded) path once more."""
    return quote(_remove_dot_segments(raw_path or "/"), safe="/~")


def _remove_dot_segments(path: str) -> str:
    segments: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if len(segments) > 1:
                segments.pop()
        elif segment != ".":
            segments.append(segment)
    normalised = "/".join(segments)
    if not normalised.startswith("/"):
        normalised = "/" + normalised
    if path.endswith(("/", "/.", "/..")) and not normalised.endswith("/"):
        normalised += "/"
    return normalised


def canonical_query(pairs: Sequence[tuple[str, str]], *, presigned: bool) -> str:
    encoded = sorted(
        (quote(name, safe=_UNRESERVED), quote(value, safe=_UNRESERVED))
        for name, value in pairs
        if not (presigned and name == SIGNATURE_PARAMETER)
    )
    return "&".join(f"{name}={value}" for name, value in encoded)


def canonical_headers(headers: Sequence[tuple[str, str]], signed_headers: Sequence[str]) -> str:
    lines = []
    for name in signed_headers:
        # Repeated headers join with commas; each value is trimmed and its inner runs of spaces collapse.
        value = ",".join(" ".join(raw.split()) for raw in header_values(headers, name))
        lines.append(f"{name}:{value}\n")
    return "".join(lines)


def payload_hash(request: SignedRequest) -> str:
    """The payload hash of the canonical request: a declared x-amz-content-sha256 (header, or query
    parameter of a pre-signed URL; it may be UNSIGNED-PAYLOAD), else the SHA-256 of the body as sent."""
    declared = _declared_hash(request)
    return declared if declared is not None else hashlib.sha256(request.payload).hexdigest()


def _declared_hash(request: SignedRequest) -> str | None:
    declared = header_values(request.headers, "x-amz-content-sha256")
    if declared:
        return declared[-1].strip()
    for name, value in split_query(request.query_string):
        if name.lower() == "x-amz-content-sha256":
            return value
    return None


def declared_hash_is_false(request: SignedRequest) -> bool:
    """A declared x-amz-content-sha256 that is a digest but not the body's: the body was changed."""
    declared = _declared_hash(request)
    if declared is None:
        return False
    value = declared.lower()
    if len(value) != 64 or any(char not in "0123456789abcdef" for char in value):
        return False
    return not hmac.compare_digest(value, hashlib.sha256(request.payload).hexdigest())


def canonical_request(request: SignedRequest, claim: SignatureClaim, body_hash: str) -> str:
    query = canonical_query(split_query(request.query_string), presigned=claim.presigned)
    return "\n".join((
        request.method.upper(),
        canonical_uri(request.raw_path),
        query,
        canonical_headers(request.headers, claim.signed_headers),
        ";".join(claim.signed_headers),
        body_hash,
    ))


def string_to_sign(claim: SignatureClaim, canonical: str) -> str:
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{claim.amz_date}\n{claim.scope}\n{digest}"


def signing_key(secret: str, claim: SignatureClaim) -> bytes:
    key = _hmac(f"AWS4{secret}".encode(), claim.date_stamp)
    for part in (claim.region, claim.service, SCOPE_TERMINATOR):
        key = _hmac(key, part)
    return key


def expected_signature(request: SignedRequest, claim: SignatureClaim, secret: str, body_hash: str) -> str:
    canonical = canonical_request(request, claim, body_hash)
    return hmac.new(signing_key(secret, claim), string_to_sign(claim, canonical).encode(), hashlib.sha256).hexdigest()


def signatures_match(expected: str, claimed: str) -> bool:
    """Constant-time comparison, so timing reveals nothing about how much of a guess was right."""
    return hmac.compare_digest(expected.encode("ascii"), claimed.encode("ascii", "replace"))


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()
