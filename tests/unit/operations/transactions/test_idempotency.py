"""ClientRequestToken bookkeeping: replays, mismatches, in-flight tokens, expiry after ten minutes and the
bound on remembered tokens; then the same rules through TransactWriteItems with a FakeClock."""

from __future__ import annotations

from typing import Any

import pytest

from shardline.errors import (
    IdempotentParameterMismatchException,
    TransactionCanceledException,
    TransactionInProgressException,
)
from shardline.operations.items import get_item
from shardline.operations.transactions import transact_write_items
from shardline.operations.transactions.idempotency import IdempotencyTokens, request_fingerprint, tokens_for
from tests.unit.operations.batches.conftest import DataPlane

START = 1_000.0


def test_first_use_runs_and_a_replay_returns_the_first_response() -> None:
    tokens = IdempotencyTokens()
    assert tokens.begin("t", b"request", START) is None
    tokens.complete("t", {"ConsumedCapacity": [1]}, START + 1)
    assert tokens.begin("t", b"request", START + 2) == {"ConsumedCapacity": [1]}


def test_another_request_under_a_live_token_is_a_mismatch() -> None:
    tokens = IdempotencyTokens()
    tokens.begin("t", b"first", START)
    tokens.complete("t", {}, START)
    with pytest.raises(IdempotentParameterMismatchException) as excinfo:
        tokens.begin("t", b"second", START + 599)
    assert excinfo.value.message == "The request uses the same client token as a previous, but non-identical request."


def test_a_token_still_running_is_in_progress_or_a_mismatch() -> None:
    tokens = IdempotencyTokens()
    tokens.begin("t", b"first", START)
    with pytest.raises(TransactionInProgressException) as excinfo:
        tokens.begin("t", b"first", START)
    assert excinfo.value.message == "Transaction from previous request is still in progress"
    with pytest.raises(IdempotentParameterMismatchException):
        tokens.begin("t", b"other", START)


def test_tokens_expire_ten_minutes_after_completion() -> None:
    tokens = IdempotencyTokens()
    tokens.begin("t", b"first", START)
    tokens.complete("t", {"n": 1}, START + 30)
    assert tokens.begin("t", b"first", START + 30 + 599.9) == {"n": 1}
    # Past the window the token is new again, whatever request it comes with.
    assert tokens.begin("t", b"other", START + 30 + 600) is None


def test_abandoned_token_can_be_used_again() -> None:
    tokens = IdempotencyTokens()
    tokens.begin("t", b"first", START)
    tokens.abandon("t")
    assert tokens.begin("t", b"other", START) is None


def test_oldest_tokens_are_forgotten_past_the_capacity() -> None:
    tokens = IdempotencyTokens(capacity=3)
    for index in range(4):
        tokens.begin(f"t{index}", b"r", START + index)
        tokens.complete(f"t{index}", {"index": index}, START + index)
    assert len(tokens) == 3
    assert tokens.begin("t0", b"changed", START + 5) is None  # forgotten, so not a mismatch
    assert tokens.begin("t3", b"r", START + 5) == {"index": 3}


def test_fingerprint_ignores_the_token_and_member_order() -> None:
    first = {"ClientRequestToken": "a", "TransactItems": [{"Put": {"Item": {}, "TableName": "x"}}]}
    second = {"TransactItems": [{"Put": {"TableName": "x", "Item": {}}}], "ClientRequestToken": "b"}
    assert request_fingerprint(first) == request_fingerprint(second)
    assert request_fingerprint(first) != request_fingerprint({**first, "ReturnConsumedCapacity": "TOTAL"})


def test_each_store_has_its_own_tokens() -> None:
    class Store:
        pass

    one, two = Store(), Store()
    assert tokens_for(one) is tokens_for(one)
    assert tokens_for(one) is not tokens_for(two)


# --- through the operation ------------------------------------------------------------------------


def increment(token: str, by: str = "1") -> dict[str, Any]:
    return {
        "ClientRequestToken": token,
        "TransactItems": [
            {
                "Update": {
                    "TableName": "hash",
                    "Key": {"pk": {"S": "c"}},
                    "UpdateExpression": "ADD n :by",
                    "ExpressionAttributeValues": {":by": {"N": by}},
                }
            }
        ],
    }


def counter(plane: DataPlane) -> str:
    item = plane.call(get_item, {"TableName": "hash", "Key": {"pk": {"S": "c"}}})["Item"]
    value: str = item["n"]["N"]
    return value


def test_replay_within_ten_minutes_does_not_write_again(plane: DataPlane) -> None:
    plane.create("hash")
    plane.call(transact_write_items, increment("tok"))
    plane.clock.advance(599)
    plane.call(transact_write_items, increment("tok"))
    assert counter(plane) == "1"
    with pytest.raises(IdempotentParameterMismatchException):
        plane.call(transact_write_items, increment("tok", by="2"))
    plane.clock.advance(2)
    plane.call(transact_write_items, increment("tok", by="2"))
    assert counter(plane) == "3"


def test_cancelled_transaction_does_not_hold_its_token(plane: DataPlane) -> None:
    plane.create("hash")
    guarded = increment("tok")
    guarded["TransactItems"][0]["Update"]["ConditionExpression"] = "attribute_exists(pk)"
    with pytest.raises(TransactionCanceledException):
        plane.call(transact_write_items, guarded)
    plane.call(transact_write_items, increment("tok", by="5"))
    assert counter(plane) == "5"
