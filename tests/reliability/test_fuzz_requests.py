"""Hostile request bodies for every served operation, against a real server process: every answer is a
success or an AWS 4xx error (never a 500, a hang or a crash), a refused write leaves the tables exactly as
they were, and the server's memory stays bounded."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings

from shardline.operations.registry import supported_operations
from tests.reliability.fuzz_profile import EXAMPLES_PER_OPERATION, FUZZ_SETTINGS
from tests.reliability.request_bodies import KNOWN_TABLES, bodies
from tests.reliability.server_control import RunningServer, client, launch

AUTH_HEADER = (
    "AWS4-HMAC-SHA256 Credential=fuzz/20240101/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=host;x-amz-date;x-amz-target, Signature=00"
)
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
OPERATIONS = [(prefix, name) for prefix, names in supported_operations().items() for name in names]
# Growth of the server's resident memory over the whole run that still counts as bounded: SQLite's page
# cache and Python's allocator keep some, a leak of request bodies (hundreds of KB each) would not fit.
MAX_RSS_GROWTH_KIB = 256 * 1024


@dataclass
class FuzzTarget:
    server: RunningServer
    pools: dict[str, list[str]]
    connection: http.client.HTTPConnection | None = None
    answers: dict[str, int] = field(default_factory=dict)
    start_rss_kib: int = 0

    def post(self, prefix: str, operation: str, payload: bytes) -> tuple[int, bytes]:
        headers = {
            "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": f"{prefix}.{operation}",
            "Authorization": AUTH_HEADER, "X-Amz-Date": "20240101T000000Z",
        }
        for attempt in range(2):
            if self.connection is None:
                host, port = self.server.endpoint.removeprefix("http://").rsplit(":", 1)
                self.connection = http.client.HTTPConnection(host, int(port), timeout=30)
            try:
                self.connection.request("POST", "/", body=payload, headers=headers)
                response = self.connection.getresponse()
                body = response.read()
                if response.getheader("connection", "").lower() == "close":
                    self._reset()
                kind = str(response.status)
                if response.status == 400 and body.startswith(b"{"):
                    kind = str(orjson.loads(body).get("__type", "")).rsplit("#", 1)[-1]
                self.answers[kind] = self.answers.get(kind, 0) + 1
                return response.status, body
            except (ConnectionError, http.client.HTTPException):
                # The server may close a keep-alive connection after an error answer; a second
                # failure on a fresh connection is a real one.
                self._reset()
                if attempt == 1 or not self.server.alive():
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self._reset()

    def _reset(self) -> None:
        if self.connection is not None:
            self.connection.close()
        self.connection = None

    def snapshot(self) -> dict[str, Any]:
        state: dict[str, Any] = {}
        for table in KNOWN_TABLES:
            status, body = self.post("DynamoDB_20120810", "Scan", orjson.dumps(
                {"TableName": table, "ConsistentRead": True}
            ))
            state[table] = sorted(orjson.dumps(item, option=orjson.OPT_SORT_KEYS) for item in
                                  orjson.loads(body).get("Items", [])) if status == 200 else status
        return state


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzTarget]:
    root: Path = tmp_path_factory.mktemp("fuzz")
    server = launch(root / "data")
    dynamodb = client(server.endpoint)
    dynamodb.create_table(
        TableName="fuzz-hash", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    dynamodb.create_table(
        TableName="fuzz-range",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"},
            {"AttributeName": "a", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[{
            "IndexName": "by-a", "KeySchema": [{"AttributeName": "a", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"},
        }],
        BillingMode="PAY_PER_REQUEST",
    )
    for index in range(5):
        dynamodb.put_item(TableName="fuzz-hash", Item={"pk": {"S": f"k{index}"}, "n": {"N": str(index)}})
        dynamodb.put_item(TableName="fuzz-range", Item={"pk": {"S": "k1"}, "sk": {"N": str(index)}, "a": {"S": "x"}})
    streams = client(server.endpoint, "dynamodbstreams")
    arn = dynamodb.describe_table(TableName="fuzz-hash")["Table"]["LatestStreamArn"]
    shards = [shard["ShardId"] for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]]
    iterators = [
        streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        for shard in shards
    ]
    pools = {"StreamArn": [arn], "ShardId": shards, "ShardIterator": iterators, "IndexName": ["by-a"]}
    fuzz = FuzzTarget(server, pools)
    fuzz.start_rss_kib = server.rss_kib()
    yield fuzz
    fuzz.close()
    end_rss = server.rss_kib() if server.alive() else 0
    code = server.stop()
    print(f"\nfuzz answers: {sorted(fuzz.answers.items())}; RSS {fuzz.start_rss_kib} -> {end_rss} KiB; exit {code}")
    assert code == 0, server.output()[-5000:]


def encode(body: Any) -> bytes:
    try:
        return orjson.dumps(body)
    except (TypeError, orjson.JSONEncodeError):
        # Lone surrogates and nesting beyond orjson's limit: write the JSON text without recursion.
        return encode_iteratively(body)


def encode_iteratively(body: Any) -> bytes:
    out: list[str] = []
    stack: list[Any] = [body]
    while stack:
        value = stack.pop()
        if isinstance(value, _Literal):
            out.append(value.text)
        elif isinstance(value, dict):
            out.append("{")
            parts: list[Any] = []
            for index, (key, child) in enumerate(value.items()):
                parts.extend([_Literal(("," if index else "") + json.dumps(key) + ":"), child])
            stack.extend([_Literal("}"), *reversed(parts)])
        elif isinstance(value, list):
            out.append("[")
            parts = []
            for index, child in enumerate(value):
                parts.extend([_Literal("," if index else ""), child])
            stack.extend([_Literal("]"), *reversed(parts)])
        else:
            out.append(json.dumps(value))
    return "".join(out).encode("utf-8", "surrogatepass")


@dataclass(frozen=True)
class _Literal:
    text: str


class ShownBody:
    """A generated body that hypothesis reports as (the start of) its JSON text: its own pretty printer
    recurses, and a 3,000-level list would bury the real failure under a RecursionError."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"ShownBody({encode(self.value)[:2000]!r})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # hypothesis's pretty-printer hook
        printer.text(repr(self))


def check_answer(status: int, raw: bytes, server: RunningServer, operation: str, payload: bytes) -> None:
    where = f"{operation} with {payload[:300]!r}"
    assert status in (200, 400, 413), f"HTTP {status} for {where}: {raw[:500]!r}\n{server.output()[-3000:]}"
    if status == 400:
        error = orjson.loads(raw)
        assert isinstance(error.get("__type"), str), where
        assert not error["__type"].endswith("InternalServerError"), where
    if status == 200:
        assert isinstance(orjson.loads(raw), dict), where


@pytest.mark.parametrize(("prefix", "operation"), OPERATIONS, ids=[name for _, name in OPERATIONS])
def test_every_answer_is_a_success_or_a_client_error(target: FuzzTarget, prefix: str, operation: str) -> None:
    @settings(FUZZ_SETTINGS, max_examples=EXAMPLES_PER_OPERATION)
    @given(body=bodies(prefix, operation, target.pools).map(ShownBody))
    def attempt(body: ShownBody) -> None:
        payload = encode(body.value)
        before = target.snapshot() if operation in WRITES else None
        status, raw = target.post(prefix, operation, payload)
        check_answer(status, raw, target.server, operation, payload)
        if before is not None and status != 200:
            assert target.snapshot() == before, f"a refused {operation} changed data: {payload[:300]!r}"

    attempt()
    assert target.server.alive(), target.server.output()[-3000:]


# Bodies that once got a 500, kept as fixed examples.
KNOWN_CRASHERS = [
    ("DynamoDB_20120810", "ListTagsOfResource",
     {"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/fuzz-hash", "NextToken": "\u00b2"}),
]


@pytest.mark.parametrize(("prefix", "operation", "body"), KNOWN_CRASHERS, ids=[op for _, op, _ in KNOWN_CRASHERS])
def test_known_crashers_get_client_errors(target: FuzzTarget, prefix: str, operation: str, body: Any) -> None:
    payload = encode(body)
    status, raw = target.post(prefix, operation, payload)
    check_answer(status, raw, target.server, operation, payload)
    assert status == 400


def test_memory_stays_bounded(target: FuzzTarget) -> None:
    # Runs after the fuzzing above (same module, declared later): the server has taken every hostile body.
    assert target.server.alive()
    assert target.server.rss_kib() - target.start_rss_kib < MAX_RSS_GROWTH_KIB
