"""protocol/framing.py: request ids, CRC32, content types and body decoding."""

from __future__ import annotations

import gzip
import re
import zlib

import pytest

from shardline.protocol.framing import (
    MAX_REQUEST_BYTES,
    BodyTooLarge,
    HttpResponse,
    UndecodableBody,
    decode_body,
    media_type,
    new_request_id,
    response_content_type,
    response_headers,
)


def test_request_ids_are_52_upper_alphanumerics_and_fresh() -> None:
    ids = {new_request_id() for _ in range(100)}
    assert len(ids) == 100
    assert all(re.fullmatch(r"[0-9A-Z]{52}", value) for value in ids)


def test_crc32_header_covers_the_exact_body() -> None:
    body = '{"TableNames":["é"]}'.encode()
    headers = dict(response_headers(HttpResponse(200, body, "application/x-amz-json-1.0"), "ID"))
    assert headers[b"x-amz-crc32"] == str(zlib.crc32(body)).encode()
    assert headers[b"content-length"] == str(len(body)).encode()
    assert headers[b"x-amzn-requestid"] == b"ID"
    assert headers[b"content-type"] == b"application/x-amz-json-1.0"


def test_known_aws_crc32_values() -> None:
    # dynalite's AWS-recorded x-amz-crc32 for these exact bodies
    assert (
        dict(response_headers(HttpResponse(200, b"healthy: dynamodb.us-east-1.amazonaws.com "), "I"))[
            b"x-amz-crc32"
        ]
        == b"3128867991"
    )
    assert (
        dict(response_headers(HttpResponse(404, b"<UnknownOperationException/>\n"), "I"))[b"x-amz-crc32"]
        == b"3552371480"
    )


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, ""),
        ("application/json", "application/json"),
        ("  application/json  ;   asfd", "application/json"),
        ("application/x-amz-json-1.0;charset=utf-8", "application/x-amz-json-1.0"),
    ],
)
def test_media_type(header: str | None, expected: str) -> None:
    assert media_type(header) == expected


def test_response_content_type_echoes_plain_json_only() -> None:
    assert response_content_type("application/json") == "application/json"
    assert response_content_type("application/x-amz-json-1.0") == "application/x-amz-json-1.0"
    assert response_content_type("") == "application/x-amz-json-1.0"


def test_gzip_and_deflate_bodies_are_decoded() -> None:
    assert decode_body(gzip.compress(b'{"a":1}'), "gzip") == b'{"a":1}'
    assert decode_body(zlib.compress(b'{"a":1}'), "deflate") == b'{"a":1}'
    assert decode_body(b"{}", None) == b"{}"
    assert decode_body(b"{}", "identity") == b"{}"


def test_bad_encodings_are_refused() -> None:
    with pytest.raises(UndecodableBody):
        decode_body(b"not gzip", "gzip")
    with pytest.raises(UndecodableBody):
        decode_body(b"{}", "br")
    with pytest.raises(UndecodableBody):
        decode_body(gzip.compress(b"{}")[:-6], "gzip")


def test_decompression_bombs_stop_at_the_limit() -> None:
    bomb = gzip.compress(b"\0" * (MAX_REQUEST_BYTES + 10))
    with pytest.raises(BodyTooLarge):
        decode_body(bomb, "gzip")
