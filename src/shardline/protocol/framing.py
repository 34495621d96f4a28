"""HTTP framing of the AWS JSON 1.0 protocol: body limits and decoding, content types, request ids,
and the response headers every answer carries (x-amzn-RequestId, x-amz-crc32, Content-Length)."""

from __future__ import annotations

import random
import secrets
import zlib
from dataclasses import dataclass, field

# DynamoDB refuses request bodies above 16 MiB with a bare 413 (dynalite's AWS-matched limit).
MAX_REQUEST_BYTES = 16 * 1024 * 1024

AMZ_JSON = "application/x-amz-json-1.0"
PLAIN_JSON = "application/json"
ACCEPTED_CONTENT_TYPES = frozenset({AMZ_JSON, PLAIN_JSON})

# What AWS answers to anything that is not a JSON POST (wrong method, wrong content type).
NOT_FOUND_BODY = b"<UnknownOperationException/>\n"

CORS_MAX_AGE_SECONDS = 172800


class BodyTooLarge(Exception):
    """The request body (raw or decompressed) is over MAX_REQUEST_BYTES."""


class UndecodableBody(Exception):
    """A Content-Encoding we cannot undo (bad gzip data or an unknown coding)."""


@dataclass
class HttpResponse:
    status: int
    body: bytes
    content_type: str | None = None
    extra_headers: list[tuple[str, str]] = field(default_factory=list)


# Request ids need to be unique, not secret: a PRNG seeded once from the OS is far cheaper per request
# than reading os.urandom each time (which showed up in profiles of GetItem).
_request_id_random = random.Random(secrets.randbits(128))
# DynamoDB's ids are 52 characters of the base32hex alphabet. Each random byte picks one character (256 is a
# multiple of 32, so every character is equally likely); bytes.translate does it in C, where base64.b32encode
# is pure Python and cost ~20 us per request.
_ID_ALPHABET = b"0123456789ABCDEFGHIJKLMNOPQRSTUV"
_BYTE_TO_ID_CHARACTER = bytes(_ID_ALPHABET[byte % 32] for byte in range(256))


def new_request_id() -> str:
    """52 characters of [0-9A-V], the shape of DynamoDB's request ids."""
    return _request_id_random.randbytes(52).translate(_BYTE_TO_ID_CHARACTER).decode("ascii")


def media_type(content_type: str | None) -> str:
    """The media type without parameters: "application/json; charset=x" -> "application/json"."""
    if not content_type:
        return ""
    return content_type.split(";", 1)[0].strip()


def response_content_type(request_media_type: str) -> str:
    # AWS echoes plain application/json to clients that sent it, x-amz-json-1.0 otherwise.
    return PLAIN_JSON if request_media_type == PLAIN_JSON else AMZ_JSON


def crc32_of(body: bytes) -> str:
    return str(zlib.crc32(body) & 0xFFFFFFFF)


def response_headers(response: HttpResponse, request_id: str) -> list[tuple[bytes, bytes]]:
    """Headers for a complete (non-streamed) response; the CRC32 covers exactly the bytes sent."""
    headers = [
        (b"x-amzn-requestid", request_id.encode("ascii")),
        (b"x-amz-crc32", crc32_of(response.body).encode("ascii")),
        (b"content-length", str(len(response.body)).encode("ascii")),
    ]
    if response.content_type:
        headers.append((b"content-type", response.content_type.encode("latin-1")))
    for name, value in response.extra_headers:
        headers.append((name.lower().encode("latin-1"), value.encode("latin-1")))
    return headers


def decode_body(raw: bytes, content_encoding: str | None) -> bytes:
    """Undoes a gzip/deflate Content-Encoding, refusing to inflate beyond MAX_REQUEST_BYTES."""
    if not content_encoding:
        return raw
    codings = [coding.strip().lower() for coding in content_encoding.split(",") if coding.strip()]
    body = raw
    for coding in reversed(codings):
        if coding == "identity":
            continue
        if coding in ("gzip", "x-gzip"):
            body = _inflate(body, zlib.MAX_WBITS | 16)
        elif coding == "deflate":
            body = _inflate(body, zlib.MAX_WBITS)
        else:
            raise UndecodableBody(coding)
    return body


def _inflate(data: bytes, wbits: int) -> bytes:
    inflater = zlib.decompressobj(wbits)
    try:
        out = inflater.decompress(data, MAX_REQUEST_BYTES + 1)
        if len(out) > MAX_REQUEST_BYTES or inflater.unconsumed_tail:
            raise BodyTooLarge()
        out += inflater.flush()
    except zlib.error as broken:
        raise UndecodableBody(str(broken)) from broken
    if len(out) > MAX_REQUEST_BYTES:
        raise BodyTooLarge()
    if not inflater.eof:
        raise UndecodableBody("truncated compressed body")
    return out
