"""The HTTP protocol layer over raw HTTP against a real server: framing, CRC32, request ids, gzip,
serialization and validation errors, dispatch, authentication and the body limit. Expected bodies are
AWS's (dynalite's AWS-validated connection tests and DynamoDB's documented errors)."""

from __future__ import annotations

import gzip
import http.client
import json
import re
import zlib
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

AMZ_JSON = "application/x-amz-json-1.0"
REQUEST_ID = re.compile(r"^[0-9A-Z]{52}$")


class Reply:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body)


def send(
    endpoint: str,
    method: str = "POST",
    path: str = "/",
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> Reply:
    parts = urlsplit(endpoint)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
    finally:
        connection.close()


def signed_headers(
    endpoint: str, target: str, body: bytes, extra: dict[str, str] | None = None
) -> dict[str, str]:
    headers = {"Content-Type": AMZ_JSON, "X-Amz-Target": target, **(extra or {})}
    request = AWSRequest(method="POST", url=endpoint + "/", data=body, headers=headers)
    SigV4Auth(Credentials("testing", "testing"), "dynamodb", "us-east-1").add_auth(request)
    return dict(request.headers.items())


def call(endpoint: str, operation: str, payload: object, **extra: str) -> Reply:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    target = f"DynamoDB_20120810.{operation}"
    return send(endpoint, body=body, headers=signed_headers(endpoint, target, body, extra or None))


def assert_framed(reply: Reply) -> None:
    """Every answer carries a fresh request id and a CRC32 of exactly the bytes sent."""
    assert REQUEST_ID.match(reply.headers["x-amzn-requestid"])
    assert reply.headers["x-amz-crc32"] == str(zlib.crc32(reply.body))
    assert reply.headers["content-length"] == str(len(reply.body))


# --- framing --------------------------------------------------------------------------------------


def test_get_is_the_health_check(endpoint: str) -> None:
    reply = send(endpoint, "GET")
    assert reply.status == 200
    assert reply.body == b"healthy: dynamodb.us-east-1.amazonaws.com "
    assert_framed(reply)


def test_signed_request_succeeds_with_crc32_and_content_type(endpoint: str) -> None:
    reply = call(endpoint, "ListTables", {})
    assert reply.status == 200, reply.body
    assert reply.headers["content-type"] == AMZ_JSON
    assert isinstance(reply.json()["TableNames"], list)
    assert_framed(reply)


def test_plain_json_content_type_is_echoed(endpoint: str) -> None:
    reply = call(endpoint, "ListTables", {}, **{"Content-Type": "application/json"})
    assert reply.status == 200
    assert reply.headers["content-type"] == "application/json"


def test_every_response_has_a_fresh_request_id(endpoint: str) -> None:
    ids = {call(endpoint, "ListTables", {}).headers["x-amzn-requestid"] for _ in range(3)}
    ids.add(send(endpoint, "GET").headers["x-amzn-requestid"])
    assert len(ids) == 4


def test_gzip_request_body_is_accepted(endpoint: str) -> None:
    body = gzip.compress(json.dumps({"Limit": 1}).encode())
    headers = signed_headers(endpoint, "DynamoDB_20120810.ListTables", body, {"Content-Encoding": "gzip"})
    reply = send(endpoint, body=body, headers=headers)
    assert reply.status == 200, reply.body
    assert len(reply.json()["TableNames"]) <= 1


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_get_awss_404(endpoint: str, method: str) -> None:
    reply = send(endpoint, method)
    assert reply.status == 404
    assert reply.body == b"<UnknownOperationException/>\n"
    assert reply.headers["x-amz-crc32"] == "3552371480"


@pytest.mark.parametrize(
    "content_type", [None, "whatever", "application/x-amz-json-1.1", "application/jsonasdf"]
)
def test_body_with_a_foreign_content_type_gets_awss_404(endpoint: str, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    reply = send(endpoint, body=b"hi", headers=headers)
    assert reply.status == 404
    assert reply.body == b"<UnknownOperationException/>\n"


def test_request_over_16_mib_is_refused_with_413(endpoint: str) -> None:
    reply = send(endpoint, body=b"a" * (16 * 1024 * 1024 + 1), headers={"Content-Type": AMZ_JSON})
    assert reply.status == 413
    assert reply.body == b""
    assert send(endpoint, "GET").status == 200


def test_cors_preflight(endpoint: str) -> None:
    reply = send(
        endpoint,
        "OPTIONS",
        headers={
            "Origin": "whatever",
            "Access-Control-Request-Headers": "a, b, c",
            "Access-Control-Request-Method": "POST",
        },
    )
    assert reply.status == 200
    assert reply.headers["access-control-allow-origin"] == "*"
    assert reply.headers["access-control-allow-headers"] == "a, b, c"
    assert reply.headers["access-control-allow-methods"] == "POST"
    assert reply.headers["access-control-max-age"] == "172800"
    assert reply.body == b""


# --- JSON and serialization ----------------------------------------------------------------------


@pytest.mark.parametrize("content_type", [AMZ_JSON, "application/json", "application/json; charset=utf-8"])
def test_malformed_json_is_a_serialization_exception(endpoint: str, content_type: str) -> None:
    reply = send(endpoint, body=b"hi", headers={"Content-Type": content_type})
    assert reply.status == 400
    assert reply.json() == {"__type": "com.amazon.coral.service#SerializationException"}
    assert reply.headers["x-amz-crc32"] == "3948637019"
    assert_framed(reply)


def test_signed_empty_body_is_a_serialization_exception(endpoint: str) -> None:
    reply = call(endpoint, "ListTables", b"")
    assert reply.status == 400
    assert reply.json() == {"__type": "com.amazon.coral.service#SerializationException"}


@pytest.mark.parametrize(
    ("operation", "payload", "message"),
    [
        ("ListTables", {"Limit": "5"}, "STRING_VALUE cannot be converted to Integer"),
        ("DescribeTable", {"TableName": 23}, "NUMBER_VALUE cannot be converted to String"),
        ("DescribeTable", {"TableName": True}, "TRUE_VALUE cannot be converted to String"),
        ("DescribeTable", {"TableName": {}}, "Start of structure or map found where not expected"),
        (
            "PutItem",
            {"TableName": "abc", "Item": {"a": {"B": "23456"}}},
            "Base64 encoded length is expected a multiple of 4 bytes but found: 5",
        ),
    ],
)
def test_wrong_json_types_are_serialization_exceptions(
    endpoint: str, operation: str, payload: dict[str, Any], message: str
) -> None:
    if operation == "PutItem":
        pytest.importorskip("shardline.operations.items.put_item")
    reply = call(endpoint, operation, payload)
    assert reply.status == 400
    assert reply.json() == {"__type": "com.amazon.coral.service#SerializationException", "Message": message}


def test_missing_required_member_is_a_validation_exception(endpoint: str) -> None:
    reply = call(endpoint, "DescribeTable", {})
    assert reply.status == 400
    assert reply.json() == {
        "__type": "com.amazon.coral.validate#ValidationException",
        "message": "1 validation error detected: Value null at 'tableName' failed to satisfy constraint: "
        "Member must not be null",
    }


def test_constraint_violations_are_aggregated(endpoint: str) -> None:
    reply = call(endpoint, "ListTables", {"Limit": 101, "ExclusiveStartTableName": "a;"})
    assert reply.status == 400
    body = reply.json()
    assert body["__type"] == "com.amazon.coral.validate#ValidationException"
    prefix = "3 validation errors detected: "
    assert body["message"].startswith(prefix)
    assert sorted(body["message"][len(prefix) :].split("; ")) == sorted(
        [
            "Value '101' at 'limit' failed to satisfy constraint: "
            "Member must have value less than or equal to 100",
            "Value 'a;' at 'exclusiveStartTableName' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
            "Value 'a;' at 'exclusiveStartTableName' failed to satisfy constraint: "
            "Member must have length greater than or equal to 3",
        ]
    )


def test_unknown_members_are_ignored(endpoint: str) -> None:
    reply = call(endpoint, "ListTables", {"NotAMember": {"x": 1}, "Limit": 1})
    assert reply.status == 200, reply.body


# --- dispatch ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target", [None, "whatever", "DynamoDB_20120810.ListTable", "DynamoDB_20111205.Nope"]
)
def test_unknown_operation(endpoint: str, target: str | None) -> None:
    headers = {"Content-Type": AMZ_JSON}
    if target:
        headers["X-Amz-Target"] = target
    reply = send(endpoint, body=b"{}", headers=headers)
    assert reply.status == 400
    assert reply.json() == {"__type": "com.amazon.coral.service#UnknownOperationException"}
    assert reply.headers["x-amz-crc32"] == "1368724161"


# --- authentication ----------------------------------------------------------------------------------


def _unsigned(endpoint: str, path: str = "/", **headers: str) -> Reply:
    return send(
        endpoint,
        path=path,
        body=b"{}",
        headers={
            "Content-Type": AMZ_JSON,
            "X-Amz-Target": "DynamoDB_20120810.ListTables",
            **headers,
        },
    )


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/", {}),
        ("/", {"Authorization": "AWS4"}),
        ("/?X-Amz-Algorith", {"Authorization": "X"}),
        ("/?X-Amz-Credential=a&X-Amz-Signature=b&X-Amz-SignedHeaders=c&X-Amz-Date=d", {}),
    ],
)
def test_missing_authentication_token(endpoint: str, path: str, headers: dict[str, str]) -> None:
    reply = _unsigned(endpoint, path, **headers)
    assert reply.status == 400
    assert reply.json() == {
        "__type": "com.amazon.coral.service#MissingAuthenticationTokenException",
        "message": "Request is missing Authentication Token",
    }


def test_both_header_and_query_signature(endpoint: str) -> None:
    reply = _unsigned(endpoint, "/?X-Amz-Algorithm", Authorization="X")
    assert reply.json() == {
        "__type": "com.amazon.coral.service#InvalidSignatureException",
        "message": "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
    }


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        (
            {"Authorization": "AWS4-"},
            "Authorization header requires 'Credential' parameter. "
            "Authorization header requires 'Signature' parameter. "
            "Authorization header requires 'SignedHeaders' parameter. "
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
            "Authorization=AWS4-",
        ),
        (
            {"Authorization": "AWS4- Signature=b Credential=a", "Date": "a"},
            "Authorization header requires 'SignedHeaders' parameter. "
            "Authorization=AWS4- Signature=b Credential=a",
        ),
        (
            {"Authorization": "AWS4- Signature=b, Credential=a", "Date": "a"},
            "Authorization header requires 'SignedHeaders' parameter. "
            "Authorization=AWS4- Signature=b, Credential=a",
        ),
    ],
)
def test_incomplete_signature_header(endpoint: str, headers: dict[str, str], message: str) -> None:
    reply = _unsigned(endpoint, **headers)
    assert reply.status == 400
    assert reply.json() == {
        "__type": "com.amazon.coral.service#IncompleteSignatureException",
        "message": message,
    }


def test_incomplete_presigned_query(endpoint: str) -> None:
    reply = _unsigned(endpoint, "/?X-Amz-Algorithm=a&X-Amz-Credential=b&X-Amz-Signature=c&X-Amz-Date=d")
    assert reply.json() == {
        "__type": "com.amazon.coral.service#IncompleteSignatureException",
        "message": "AWS query-string parameters must include 'X-Amz-SignedHeaders'. "
        "Re-examine the query-string parameters.",
    }


def test_any_well_formed_credentials_are_accepted(endpoint: str) -> None:
    body = b"{}"
    request = AWSRequest(
        method="POST",
        url=endpoint + "/",
        data=body,
        headers={"Content-Type": AMZ_JSON, "X-Amz-Target": "DynamoDB_20120810.ListTables"},
    )
    SigV4Auth(Credentials("someone-else", "not-the-secret"), "dynamodb", "eu-west-1").add_auth(request)
    reply = send(endpoint, body=body, headers=dict(request.headers.items()))
    assert reply.status == 200


# --- robustness ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "payload",
    [
        b"[]",
        b"1",
        b'"x"',
        b"null",
        b"{" * 5000 + b"}" * 5000,
        b'{"Limit": 1e999}',
        b'{"Limit": 123456789012345678901234567890}',
        b"\xff\xfe",
        b'{"TableName": "\\ud800"}',
    ],
)
def test_odd_bodies_never_crash_the_server(endpoint: str, payload: bytes) -> None:
    reply = call(endpoint, "ListTables", payload)
    assert reply.status in (200, 400), reply.body
    assert reply.status != 500
    assert_framed(reply)
    assert send(endpoint, "GET").status == 200


def test_boto3_sees_awss_error_codes(dynamodb: Any) -> None:
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as raised:
        dynamodb.describe_table(TableName="a;")
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert raised.value.response["Error"]["Message"] == (
        "2 validation errors detected: Value 'a;' at 'tableName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; Value 'a;' at 'tableName' failed "
        "to satisfy constraint: Member must have length greater than or equal to 3"
    )
