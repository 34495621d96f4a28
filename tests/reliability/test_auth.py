"""`shardline serve --auth FILE` against real clients: known keys work (header and pre-signed forms, both
services, the /-/ controls), everything else gets AWS's error, and no secret ever reaches the log. Also the
local-only defaults: 127.0.0.1, and table names that never touch the filesystem."""

from __future__ import annotations

import contextlib
import http.client
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import botocore.exceptions
import orjson
import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from shardline.settings import Settings
from tests.reliability.server_control import RunningServer, client, launch

KEY_ID = "AKIASHARDLINETEST01"
SECRET = "k9Vd+secret/never-logged+Zq7xYwPq"
SECOND_KEY_ID = "reader"
SECOND_SECRET = "another-secret-value-0042"
TABLE_SCHEMA: dict[str, Any] = {
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
    "BillingMode": "PAY_PER_REQUEST",
}


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    root = tmp_path_factory.mktemp("auth")
    keys = root / "keys.txt"
    keys.write_text(f"# test keys\n{KEY_ID}:{SECRET}\n\n{SECOND_KEY_ID} : {SECOND_SECRET}\n")
    server = launch(root / "data", "--auth", str(keys))
    yield server
    server.stop()


def error_of(excinfo: pytest.ExceptionInfo[Any]) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


def raw_post(endpoint: str, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    parts = urlsplit(endpoint)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        payload = response.read()
        return response.status, orjson.loads(payload) if payload else {}
    finally:
        connection.close()


def signed(endpoint: str, path: str, body: bytes, headers: dict[str, str], key: str, secret: str,
           presign: bool = False) -> AWSRequest:
    request = AWSRequest(method="POST", url=endpoint + path, data=body, headers=headers)
    signer = SigV4QueryAuth if presign else SigV4Auth
    signer(Credentials(key, secret), "dynamodb", "us-east-1").add_auth(request)  # type: ignore[operator]
    return request


def send(request: AWSRequest) -> tuple[int, dict[str, Any]]:
    url = urlsplit(request.url)
    path = url.path + (f"?{url.query}" if url.query else "")
    body = request.body if isinstance(request.body, bytes) else (request.body or "").encode()
    return raw_post(f"{url.scheme}://{url.netloc}", path, body, dict(request.headers.items()))


def test_known_keys_work_for_dynamodb_and_streams(secured: RunningServer) -> None:
    dynamodb = client(secured.endpoint, key=KEY_ID, secret=SECRET)
    dynamodb.create_table(TableName="authorized", **TABLE_SCHEMA)
    dynamodb.put_item(TableName="authorized", Item={"pk": {"S": "a"}})
    reader = client(secured.endpoint, key=SECOND_KEY_ID, secret=SECOND_SECRET)
    assert reader.get_item(TableName="authorized", Key={"pk": {"S": "a"}})["Item"] == {"pk": {"S": "a"}}
    streams = client(secured.endpoint, "dynamodbstreams", key=KEY_ID, secret=SECRET)
    assert "Streams" in streams.list_streams()


def test_an_unknown_key_is_unrecognized(secured: RunningServer) -> None:
    stranger = client(secured.endpoint, key="AKIAUNKNOWN", secret=SECRET)
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        stranger.list_tables()
    assert error_of(refused) == (
        "UnrecognizedClientException", "The security token included in the request is invalid."
    )
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_a_wrong_secret_is_an_invalid_signature(secured: RunningServer) -> None:
    impostor = client(secured.endpoint, key=KEY_ID, secret="guessed-secret")
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        impostor.put_item(TableName="authorized", Item={"pk": {"S": "forged"}})
    assert error_of(refused) == (
        "InvalidSignatureException",
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
        "Access Key and signing method. Consult the service documentation for details.",
    )


def test_a_body_changed_after_signing_is_refused_and_not_written(secured: RunningServer) -> None:
    client(secured.endpoint, key=KEY_ID, secret=SECRET).create_table(TableName="tamper", **TABLE_SCHEMA)
    headers = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.PutItem"}
    good = b'{"TableName": "tamper", "Item": {"pk": {"S": "good"}}}'
    request = signed(secured.endpoint, "/", good, headers, KEY_ID, SECRET)
    request.data = good.replace(b"good", b"evil")
    status, body = send(request)
    assert status == 400
    assert body["__type"] == "com.amazon.coral.service#InvalidSignatureException"
    scan = client(secured.endpoint, key=KEY_ID, secret=SECRET).scan(TableName="tamper")
    assert scan["Items"] == []


def test_no_signature_is_a_missing_token(secured: RunningServer) -> None:
    status, body = raw_post(secured.endpoint, "/", b"{}", {
        "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.ListTables",
    })
    assert (status, body) == (400, {
        "__type": "com.amazon.coral.service#MissingAuthenticationTokenException",
        "message": "Request is missing Authentication Token",
    })


def test_a_presigned_request_is_verified(secured: RunningServer) -> None:
    headers = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.ListTables"}
    # botocore's presigner moves a JSON body into the query string, so the request arrives with an empty body:
    # once the signature is accepted, that is AWS's bodiless SerializationException.
    status, body = send(signed(secured.endpoint, "/", b'{"Limit": 5}', headers, KEY_ID, SECRET, presign=True))
    assert (status, body) == (400, {"__type": "com.amazon.coral.service#SerializationException"})
    status, body = send(signed(secured.endpoint, "/", b"{}", headers, KEY_ID, "wrong", presign=True))
    assert status == 400 and body["__type"] == "com.amazon.coral.service#InvalidSignatureException"


def test_admin_controls_need_a_valid_signature(secured: RunningServer) -> None:
    body = b'{"TableName": "no-such-table"}'
    headers = {"Content-Type": "application/json"}
    status, unsigned = raw_post(secured.endpoint, "/-/shards/split", body, headers)
    assert status == 400 and unsigned["__type"] == "com.amazon.coral.service#MissingAuthenticationTokenException"
    status, forged = send(signed(secured.endpoint, "/-/shards/split", body, headers, KEY_ID, "wrong"))
    assert status == 400 and forged["__type"] == "com.amazon.coral.service#InvalidSignatureException"
    status, answered = send(signed(secured.endpoint, "/-/shards/split", body, headers, KEY_ID, SECRET))
    # Past authentication: the control itself answers (the table does not exist).
    assert "Signature" not in answered.get("__type", "") and "Authentication" not in answered.get("__type", "")


def test_the_lambda_mappings_api_needs_a_valid_signature(secured: RunningServer) -> None:
    status, unsigned = raw_post(secured.endpoint, "/2015-03-31/event-source-mappings/", b"{}",
                                {"Content-Type": "application/json"})
    assert status == 400 and unsigned["__type"] == "com.amazon.coral.service#MissingAuthenticationTokenException"
    # Lambda clients sign as "lambda": a known key works, a wrong secret does not.
    lambda_client = client(secured.endpoint, "lambda", key=KEY_ID, secret=SECRET)
    assert "EventSourceMappings" in lambda_client.list_event_source_mappings()
    impostor = client(secured.endpoint, "lambda", key=KEY_ID, secret="wrong")
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        impostor.list_event_source_mappings()
    assert refused.value.response["Error"]["Code"] == "InvalidSignatureException"
    assert refused.value.response["Error"]["Message"].startswith("The request signature we calculated")


def test_secrets_never_reach_the_log(secured: RunningServer) -> None:
    for secret in (SECRET, "wrong-secret-attempt"):
        with contextlib.suppress(botocore.exceptions.ClientError):
            client(secured.endpoint, key=KEY_ID, secret=secret).list_tables()
    output = secured.output()
    assert SECRET not in output and SECOND_SECRET not in output and "wrong-secret-attempt" not in output


def test_a_bad_auth_file_stops_the_server_with_a_message(tmp_path: Path) -> None:
    keys = tmp_path / "keys.txt"
    keys.write_text("just-a-key-without-secret\n")
    with pytest.raises(RuntimeError) as failed:
        launch(tmp_path / "data", "--auth", str(keys))
    assert "line 1" in str(failed.value) and "ACCESS_KEY_ID:SECRET_ACCESS_KEY" in str(failed.value)
    assert not (tmp_path / "data" / "shardline.db").exists()


def test_the_server_binds_loopback_unless_told_otherwise(secured: RunningServer) -> None:
    assert Settings().host == "127.0.0.1"
    assert urlsplit(secured.endpoint).hostname == "127.0.0.1"


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    server = launch(tmp_path_factory.mktemp("names") / "data")
    yield server
    server.stop()


@pytest.mark.parametrize("name", ["...", "..-", "..", "../../etc/passwd", "a/b", "shardline.db", "-wal..", "_" * 255])
def test_table_names_never_touch_the_filesystem(plain: RunningServer, name: str) -> None:
    root = plain.data_dir.parent
    before = {path.relative_to(root) for path in root.rglob("*")}
    dynamodb = client(plain.endpoint)
    try:
        dynamodb.create_table(TableName=name, **TABLE_SCHEMA)
        dynamodb.put_item(TableName=name, Item={"pk": {"S": "x"}})
        created = True
    except botocore.exceptions.ClientError as refused:
        assert refused.response["Error"]["Code"] == "ValidationException"
        created = False
    assert created == (len(name) >= 3 and "/" not in name)
    after = {path.relative_to(root) for path in root.rglob("*")}
    # Only SQLite's own files may appear, and only inside the data directory.
    assert {str(path) for path in after - before} <= {"data/shardline.db-wal", "data/shardline.db-shm"}
