"""Writers for the concurrency and crash harnesses: conditional increments, unconditional updates, ADD
counters, puts, batch writes and transactions over a small set of overlapping items, each write tagged with a
unique id so that history_check can verify the final state."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import Any

import botocore.exceptions

from tests.reliability.history_check import Write

REFUSALS = {"ConditionalCheckFailedException", "TransactionCanceledException", "TransactionConflictException"}
TABLE_SCHEMA: dict[str, Any] = {
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
    "BillingMode": "PAY_PER_REQUEST",
}


def new_item(key: str) -> dict[str, Any]:
    return {"pk": {"S": key}, "version": {"N": "0"}, "log": {"L": []}, "total": {"N": "0"}}


@dataclass
class Ledger:
    """What the writers sent and heard back; shared by all writer threads."""

    writes: list[Write] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    adds: dict[str, int] = field(default_factory=dict)  # acknowledged ADDs per item
    unknown_adds: dict[str, int] = field(default_factory=dict)  # ADDs without an answer
    puts: dict[str, str] = field(default_factory=dict)  # acknowledged put id per side item
    unknown_puts: dict[str, set[str]] = field(default_factory=dict)  # put ids without an answer
    acknowledged_puts: int = 0  # PutItem and BatchWriteItem calls answered with success
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, write: Write) -> None:
        with self.lock:
            self.writes.append(write)

    def refuse(self, op_id: str) -> None:
        with self.lock:
            self.refused.append(op_id)


class Writer:
    """One client thread. `step()` performs one random write; a write that got no answer (the server was
    killed) is recorded as unacknowledged, and step() returns False."""

    def __init__(self, name: str, dynamodb: Any, table: str, keys: list[str], ledger: Ledger, seed: int,
                 side_table: str | None = None) -> None:
        self.name = name
        self.dynamodb = dynamodb
        self.table = table
        self.keys = keys
        self.ledger = ledger
        self.random = random.Random(seed)
        self.side_table = side_table
        self.count = 0

    def next_id(self) -> str:
        self.count += 1
        return f"{self.name}-{self.count}"

    def step(self) -> bool:
        kinds = ["conditional", "blind", "add", "transaction", "conditional_transaction"]
        if self.side_table:
            kinds += ["put", "batch"]
        kind = self.random.choice(kinds)
        return bool(getattr(self, f"_{kind}")())

    # Each operation returns False when the server did not answer (so the caller knows it may be down).

    def _send(self, write: Write, call: Any) -> bool:
        try:
            call()
        except botocore.exceptions.ClientError as error:
            code = error.response["Error"]["Code"]
            if code in REFUSALS:
                self.ledger.refuse(write.op_id)
                return True
            raise
        except (botocore.exceptions.EndpointConnectionError, botocore.exceptions.ConnectionClosedError,
                botocore.exceptions.ReadTimeoutError):
            self.ledger.record(Write(write.op_id, write.keys, False, write.expected_versions))
            return False
        self.ledger.record(write)
        return True

    def _read_version(self, key: str) -> int | None:
        try:
            item = self.dynamodb.get_item(TableName=self.table, Key={"pk": {"S": key}}, ConsistentRead=True)
        except (botocore.exceptions.EndpointConnectionError, botocore.exceptions.ConnectionClosedError,
                botocore.exceptions.ReadTimeoutError):
            return None
        return int(item["Item"]["version"]["N"])

    def _conditional(self) -> bool:
        key = self.random.choice(self.keys)
        version = self._read_version(key)
        if version is None:
            return False
        op_id = self.next_id()
        return self._send(Write(op_id, (key,), True, {key: version}), lambda: self.dynamodb.update_item(
            TableName=self.table, Key={"pk": {"S": key}},
            UpdateExpression="SET version = version + :one, #log = list_append(#log, :entry)",
            ConditionExpression="version = :expected",
            ExpressionAttributeNames={"#log": "log"},
            ExpressionAttributeValues={":one": {"N": "1"}, ":entry": {"L": [{"S": op_id}]},
                                       ":expected": {"N": str(version)}},
        ))

    def _blind(self) -> bool:
        key = self.random.choice(self.keys)
        op_id = self.next_id()
        return self._send(Write(op_id, (key,), True), lambda: self.dynamodb.update_item(
            TableName=self.table, Key={"pk": {"S": key}},
            UpdateExpression="SET version = version + :one, #log = list_append(#log, :entry)",
            ExpressionAttributeNames={"#log": "log"},
            ExpressionAttributeValues={":one": {"N": "1"}, ":entry": {"L": [{"S": op_id}]}},
        ))

    def _add(self) -> bool:
        key = self.random.choice(self.keys)
        try:
            self.dynamodb.update_item(
                TableName=self.table, Key={"pk": {"S": key}}, UpdateExpression="ADD #total :one",
                ExpressionAttributeNames={"#total": "total"}, ExpressionAttributeValues={":one": {"N": "1"}},
            )
        except (botocore.exceptions.EndpointConnectionError, botocore.exceptions.ConnectionClosedError,
                botocore.exceptions.ReadTimeoutError):
            with self.ledger.lock:
                self.ledger.unknown_adds[key] = self.ledger.unknown_adds.get(key, 0) + 1
            return False
        with self.ledger.lock:
            self.ledger.adds[key] = self.ledger.adds.get(key, 0) + 1
        return True

    def _transaction(self, conditional: bool = False) -> bool:
        keys = self.random.sample(self.keys, self.random.randint(2, min(3, len(self.keys))))
        expected: dict[str, int] = {}
        if conditional:
            for key in keys:
                version = self._read_version(key)
                if version is None:
                    return False
                expected[key] = version
        op_id = self.next_id()
        actions = []
        for key in keys:
            update: dict[str, Any] = {
                "TableName": self.table, "Key": {"pk": {"S": key}},
                "UpdateExpression": "SET version = version + :one, #log = list_append(#log, :entry)",
                "ExpressionAttributeNames": {"#log": "log"},
                "ExpressionAttributeValues": {":one": {"N": "1"}, ":entry": {"L": [{"S": op_id}]}},
            }
            if conditional:
                update["ConditionExpression"] = "version = :expected"
                update["ExpressionAttributeValues"][":expected"] = {"N": str(expected[key])}
            actions.append({"Update": update})
        return self._send(Write(op_id, tuple(keys), True, expected),
                          lambda: self.dynamodb.transact_write_items(TransactItems=actions))

    def _conditional_transaction(self) -> bool:
        return self._transaction(conditional=True)

    def _put(self) -> bool:
        assert self.side_table is not None
        key = f"side-{self.random.randint(0, 9)}"
        op_id = self.next_id()
        try:
            self.dynamodb.put_item(TableName=self.side_table, Item={"pk": {"S": key}, "by": {"S": op_id}})
        except (botocore.exceptions.EndpointConnectionError, botocore.exceptions.ConnectionClosedError,
                botocore.exceptions.ReadTimeoutError):
            with self.ledger.lock:
                self.ledger.unknown_puts.setdefault(key, set()).add(op_id)
            return False
        with self.ledger.lock:
            self.ledger.puts[key] = op_id  # the last acknowledged put; checked loosely (writers race)
            self.ledger.acknowledged_puts += 1
        return True

    def _batch(self) -> bool:
        assert self.side_table is not None
        op_id = self.next_id()
        keys = [f"batch-{op_id}-{index}" for index in range(self.random.randint(2, 5))]
        try:
            self.dynamodb.batch_write_item(RequestItems={self.side_table: [
                {"PutRequest": {"Item": {"pk": {"S": key}, "by": {"S": op_id}}}} for key in keys
            ]})
        except (botocore.exceptions.EndpointConnectionError, botocore.exceptions.ConnectionClosedError,
                botocore.exceptions.ReadTimeoutError):
            with self.ledger.lock:
                for key in keys:
                    self.ledger.unknown_puts.setdefault(key, set()).add(op_id)
            return False
        with self.ledger.lock:
            for key in keys:
                self.ledger.puts[key] = op_id
            self.ledger.acknowledged_puts += 1
        return True


def final_state(dynamodb: Any, table: str) -> tuple[dict[str, list[str]], dict[str, int], dict[str, int]]:
    """(logs, versions, totals) of every item of the table."""
    logs: dict[str, list[str]] = {}
    versions: dict[str, int] = {}
    totals: dict[str, int] = {}
    for page in dynamodb.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        for item in page["Items"]:
            key = item["pk"]["S"]
            logs[key] = [entry["S"] for entry in item["log"]["L"]]
            versions[key] = int(item["version"]["N"])
            totals[key] = int(item["total"]["N"])
    return logs, versions, totals
