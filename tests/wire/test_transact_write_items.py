"""TransactWriteItems over the wire: all-or-nothing writes, cancellation reasons, AWS's refusals,
ClientRequestToken idempotency and concurrent transactions on overlapping items."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.wire.conftest import make_client, unique_name

CANCELLED = "Transaction cancelled, please refer cancellation reasons for specific reasons "
FAILED_CONDITION = {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}


@pytest.fixture(scope="module")
def unchecked(endpoint: str) -> Any:
    """A client that sends what it is given, for requests botocore would refuse before sending."""
    return make_client("dynamodb", endpoint, parameter_validation=False)


def refused(client: Any, **params: Any) -> ClientError:
    with pytest.raises(ClientError) as excinfo:
        client.transact_write_items(**params)
    return excinfo.value


def stored(dynamodb: Any, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
    item: dict[str, Any] | None = dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
    return item


def key(pk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}}


def put(table: str, item: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"Put": {"TableName": table, "Item": item, **extra}}


def update(table: str, item_key: dict[str, Any], expression: str, **extra: Any) -> dict[str, Any]:
    return {"Update": {"TableName": table, "Key": item_key, "UpdateExpression": expression, **extra}}


def delete(table: str, item_key: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"Delete": {"TableName": table, "Key": item_key, **extra}}


def check(table: str, item_key: dict[str, Any], condition: str, **extra: Any) -> dict[str, Any]:
    return {"ConditionCheck": {"TableName": table, "Key": item_key, "ConditionExpression": condition, **extra}}


# --- behaviour ------------------------------------------------------------------------------------


def test_all_four_actions_across_tables(dynamodb: Any, hash_table: str, range_table: str) -> None:
    dynamodb.put_item(TableName=hash_table, Item={"pk": {"S": "guard"}, "open": {"BOOL": True}})
    dynamodb.put_item(TableName=hash_table, Item={"pk": {"S": "counter"}, "n": {"N": "1"}})
    dynamodb.put_item(TableName=range_table, Item={"pk": {"S": "doomed"}, "sk": {"N": "1"}})
    response = dynamodb.transact_write_items(
        TransactItems=[
            check(
                hash_table,
                key("guard"),
                "#o = :yes",
                ExpressionAttributeNames={"#o": "open"},
                ExpressionAttributeValues={":yes": {"BOOL": True}},
            ),
            put(hash_table, {"pk": {"S": "new"}, "v": {"S": "x"}}, ConditionExpression="attribute_not_exists(pk)"),
            update(hash_table, key("counter"), "ADD n :one", ExpressionAttributeValues={":one": {"N": "1"}}),
            delete(range_table, {"pk": {"S": "doomed"}, "sk": {"N": "1"}}),
        ]
    )
    assert "ConsumedCapacity" not in response and "ItemCollectionMetrics" not in response
    assert stored(dynamodb, hash_table, key("new")) == {"pk": {"S": "new"}, "v": {"S": "x"}}
    assert stored(dynamodb, hash_table, key("counter")) == {"pk": {"S": "counter"}, "n": {"N": "2"}}
    assert stored(dynamodb, range_table, {"pk": {"S": "doomed"}, "sk": {"N": "1"}}) is None
    assert stored(dynamodb, hash_table, key("guard")) == {"pk": {"S": "guard"}, "open": {"BOOL": True}}


def test_update_creates_a_missing_item(dynamodb: Any, hash_table: str) -> None:
    dynamodb.transact_write_items(
        TransactItems=[update(hash_table, key("fresh"), "SET v = :v", ExpressionAttributeValues={":v": {"N": "5"}})]
    )
    assert stored(dynamodb, hash_table, key("fresh")) == {"pk": {"S": "fresh"}, "v": {"N": "5"}}


def test_consumed_capacity_is_twice_the_write_units(dynamodb: Any, hash_table: str, range_table: str) -> None:
    response = dynamodb.transact_write_items(
        TransactItems=[
            put(hash_table, {"pk": {"S": "big"}, "b": {"S": "x" * 1500}}),
            put(hash_table, {"pk": {"S": "small"}}),
            delete(range_table, {"pk": {"S": "p"}, "sk": {"N": "1"}}),
        ],
        ReturnConsumedCapacity="TOTAL",
    )
    assert response["ConsumedCapacity"] == [
        {"TableName": hash_table, "CapacityUnits": 6.0, "WriteCapacityUnits": 6.0},
        {"TableName": range_table, "CapacityUnits": 2.0, "WriteCapacityUnits": 2.0},
    ]


# --- cancellation: nothing is written -------------------------------------------------------------------


def test_failed_condition_cancels_every_action(dynamodb: Any, hash_table: str, range_table: str) -> None:
    dynamodb.put_item(TableName=hash_table, Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    dynamodb.put_item(TableName=hash_table, Item={"pk": {"S": "b"}, "v": {"N": "1"}})
    error = refused(
        dynamodb,
        TransactItems=[
            update(hash_table, key("a"), "SET v = :two", ExpressionAttributeValues={":two": {"N": "2"}}),
            put(range_table, {"pk": {"S": "new"}, "sk": {"N": "1"}}),
            delete(
                hash_table, key("b"), ConditionExpression="v = :nine", ExpressionAttributeValues={":nine": {"N": "9"}}
            ),
        ],
    )
    assert error.response["Error"]["Code"] == "TransactionCanceledException"
    assert error.response["Error"]["Message"] == CANCELLED + "[None, None, ConditionalCheckFailed]"
    assert error.response["CancellationReasons"] == [{"Code": "None"}, {"Code": "None"}, FAILED_CONDITION]
    assert stored(dynamodb, hash_table, key("a")) == {"pk": {"S": "a"}, "v": {"N": "1"}}
    assert stored(dynamodb, hash_table, key("b")) == {"pk": {"S": "b"}, "v": {"N": "1"}}
    assert stored(dynamodb, range_table, {"pk": {"S": "new"}, "sk": {"N": "1"}}) is None


def test_every_failed_condition_is_reported_with_old_items(dynamodb: Any, hash_table: str) -> None:
    dynamodb.put_item(TableName=hash_table, Item={"pk": {"S": "taken"}, "v": {"S": "x"}})
    dynamodb.put_item(TableName=hash_table, Item={"pk": {"S": "other"}, "v": {"S": "x"}})
    error = refused(
        dynamodb,
        TransactItems=[
            put(
                hash_table,
                {"pk": {"S": "taken"}},
                ConditionExpression="attribute_not_exists(pk)",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            ),
            check(hash_table, key("absent"), "attribute_exists(pk)", ReturnValuesOnConditionCheckFailure="ALL_OLD"),
            put(hash_table, {"pk": {"S": "fine"}}),
            check(hash_table, key("other"), "v = :y", ExpressionAttributeValues={":y": {"S": "y"}}),
        ],
    )
    assert error.response["Error"]["Message"] == (
        CANCELLED + "[ConditionalCheckFailed, ConditionalCheckFailed, None, ConditionalCheckFailed]"
    )
    assert error.response["CancellationReasons"] == [
        {**FAILED_CONDITION, "Item": {"pk": {"S": "taken"}, "v": {"S": "x"}}},
        FAILED_CONDITION,
        {"Code": "None"},
        FAILED_CONDITION,
    ]
    assert stored(dynamodb, hash_table, key("fine")) is None


def test_update_that_outgrows_the_item_limit_is_a_cancellation(dynamodb: Any, hash_table: str) -> None:
    dynamodb.put_item(TableName=hash_table, Item={"pk": {"S": "grow"}, "a": {"S": "x" * 300_000}})
    error = refused(
        dynamodb,
        TransactItems=[
            put(hash_table, {"pk": {"S": "other"}}),
            update(hash_table, key("grow"), "SET b = :b", ExpressionAttributeValues={":b": {"S": "y" * 200_000}}),
        ],
    )
    assert error.response["Error"]["Code"] == "TransactionCanceledException"
    assert error.response["Error"]["Message"] == CANCELLED + "[None, ValidationError]"
    assert error.response["CancellationReasons"] == [
        {"Code": "None"},
        {"Code": "ValidationError", "Message": "Item size to update has exceeded the maximum allowed size"},
    ]
    assert stored(dynamodb, hash_table, key("other")) is None


def test_update_with_wrong_operand_type_is_a_cancellation(dynamodb: Any, hash_table: str) -> None:
    dynamodb.put_item(TableName=hash_table, Item={"pk": {"S": "s"}, "v": {"S": "text"}})
    error = refused(
        dynamodb,
        TransactItems=[update(hash_table, key("s"), "ADD v :one", ExpressionAttributeValues={":one": {"N": "1"}})],
    )
    assert error.response["Error"]["Code"] == "TransactionCanceledException"
    assert error.response["CancellationReasons"] == [
        {"Code": "ValidationError", "Message": "An operand in the update expression has an incorrect data type"}
    ]
    assert stored(dynamodb, hash_table, key("s")) == {"pk": {"S": "s"}, "v": {"S": "text"}}


# --- refusals before the transaction -----------------------------------------------------------------------


def test_two_actions_on_one_item(dynamodb: Any, range_table: str) -> None:
    item_key = {"pk": {"S": "a"}, "sk": {"N": "1"}}
    error = refused(
        dynamodb,
        TransactItems=[
            put(range_table, {**item_key, "v": {"S": "x"}}),
            delete(range_table, {"sk": {"N": "1.0"}, "pk": {"S": "a"}}),
        ],
    )
    assert error_of_client(error) == (
        "ValidationException",
        "Transaction request cannot include multiple operations on one item",
    )
    assert stored(dynamodb, range_table, item_key) is None


def test_missing_table_is_checked_first(dynamodb: Any, hash_table: str) -> None:
    missing = unique_name()
    error = refused(
        dynamodb,
        TransactItems=[
            put(hash_table, {"pk": {"S": "a"}}),
            delete(missing, key("a")),
            put(missing, {"pk": {"S": "a"}}),
        ],
    )
    assert error_of_client(error) == ("ResourceNotFoundException", "Requested resource not found")
    assert stored(dynamodb, hash_table, key("a")) is None


def test_put_too_large_is_a_validation_exception(dynamodb: Any, hash_table: str) -> None:
    error = refused(dynamodb, TransactItems=[put(hash_table, {"pk": {"S": "a"}, "b": {"S": "x" * 409_600}})])
    assert error_of_client(error) == ("ValidationException", "Item size has exceeded the maximum allowed size")


def test_put_key_not_matching_schema(dynamodb: Any, hash_table: str) -> None:
    for value in ({"NULL": True}, {"N": "1"}):
        error = refused(dynamodb, TransactItems=[put(hash_table, {"pk": value})])
        assert error_of_client(error) == ("ValidationException", "The provided key element does not match the schema")


def test_empty_key_value(dynamodb: Any, hash_table: str) -> None:
    error = refused(
        dynamodb,
        TransactItems=[update(hash_table, key(""), "SET v = :v", ExpressionAttributeValues={":v": {"N": "0"}})],
    )
    assert error_of_client(error) == (
        "ValidationException",
        "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an "
        "empty string value. Key: pk",
    )


def test_update_of_a_key_attribute(dynamodb: Any, hash_table: str) -> None:
    error = refused(
        dynamodb,
        TransactItems=[update(hash_table, key("a"), "SET pk = :v", ExpressionAttributeValues={":v": {"S": "b"}})],
    )
    assert error_of_client(error) == (
        "ValidationException",
        "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key",
    )


def test_empty_expression_attribute_values(dynamodb: Any, hash_table: str) -> None:
    error = refused(
        dynamodb,
        TransactItems=[
            put(
                hash_table,
                {"pk": {"S": "a"}},
                ConditionExpression="attribute_not_exists(#n)",
                ExpressionAttributeNames={"#n": "pk"},
                ExpressionAttributeValues={},
            )
        ],
    )
    assert error_of_client(error) == ("ValidationException", "ExpressionAttributeValues must not be empty")


def test_action_entry_with_no_or_several_actions(unchecked: Any, hash_table: str) -> None:
    error = refused(unchecked, TransactItems=[{}])
    assert error_of_client(error) == (
        "ValidationException",
        "The action or operation requested is invalid. Verify that the action is typed correctly.",
    )
    both = {**put(hash_table, {"pk": {"S": "a"}}), **delete(hash_table, key("a"))}
    error = refused(unchecked, TransactItems=[both])
    assert error_of_client(error) == (
        "ValidationException",
        "TransactItems can only contain one of Check, Put, Update or Delete",
    )


def test_item_count_limits(unchecked: Any, hash_table: str) -> None:
    error = refused(unchecked, TransactItems=[])
    assert error_of_client(error) == (
        "ValidationException",
        "1 validation error detected: Value '[]' at 'transactItems' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1",
    )
    error = refused(unchecked, TransactItems=[put(hash_table, {"pk": {"S": str(n)}}) for n in range(101)])
    code, message = error_of_client(error)
    assert code == "ValidationException"
    assert message.endswith(
        "at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100"
    )


def test_one_hundred_actions_are_accepted(dynamodb: Any, hash_table: str) -> None:
    dynamodb.transact_write_items(TransactItems=[put(hash_table, {"pk": {"S": f"k{n}"}}) for n in range(100)])
    assert stored(dynamodb, hash_table, key("k99")) == {"pk": {"S": "k99"}}


TOO_LARGE = "The aggregate size of the items in the transaction cannot exceed 4 MB."


def big_item(pk: str, filler: int = 400_000) -> dict[str, Any]:
    return {"pk": {"S": pk}, "b": {"S": "x" * filler}}


def test_puts_totalling_over_four_megabytes_are_refused(dynamodb: Any, hash_table: str) -> None:
    # Eleven items of about 400 KB exceed 4 MB (4,194,304 bytes); ten do not.
    error = refused(dynamodb, TransactItems=[put(hash_table, big_item(f"k{n}")) for n in range(11)])
    assert error_of_client(error) == ("ValidationException", TOO_LARGE)
    assert stored(dynamodb, hash_table, key("k0")) is None
    dynamodb.transact_write_items(TransactItems=[put(hash_table, big_item(f"k{n}")) for n in range(10)])
    assert stored(dynamodb, hash_table, key("k9")) == big_item("k9")


def test_updates_of_items_totalling_over_four_megabytes_are_refused(dynamodb: Any, hash_table: str) -> None:
    for n in range(11):
        dynamodb.put_item(TableName=hash_table, Item=big_item(f"u{n}", 390_000))
    actions = [
        update(hash_table, key(f"u{n}"), "SET c = :c", ExpressionAttributeValues={":c": {"N": "1"}})
        for n in range(11)
    ]
    error = refused(dynamodb, TransactItems=actions)
    assert error_of_client(error) == ("ValidationException", TOO_LARGE)
    assert stored(dynamodb, hash_table, key("u0")) == big_item("u0", 390_000)
    dynamodb.transact_write_items(TransactItems=actions[:10])
    assert stored(dynamodb, hash_table, key("u0")) == {**big_item("u0", 390_000), "c": {"N": "1"}}


# --- idempotency ------------------------------------------------------------------------------------


def test_same_token_and_request_applies_once(dynamodb: Any, hash_table: str) -> None:
    token = str(uuid.uuid4())
    request = {
        "ClientRequestToken": token,
        "TransactItems": [update(hash_table, key("c"), "ADD n :one", ExpressionAttributeValues={":one": {"N": "1"}})],
        "ReturnConsumedCapacity": "TOTAL",
    }
    first = dynamodb.transact_write_items(**request)
    second = dynamodb.transact_write_items(**request)
    assert stored(dynamodb, hash_table, key("c")) == {"pk": {"S": "c"}, "n": {"N": "1"}}
    assert first["ConsumedCapacity"] == second["ConsumedCapacity"]


def test_replay_writes_no_second_stream_record(dynamodb: Any, endpoint: str) -> None:
    name = unique_name("streamed")
    arn = dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]["LatestStreamArn"]
    request = {
        "ClientRequestToken": str(uuid.uuid4()),
        "TransactItems": [update(name, key("c"), "ADD n :one", ExpressionAttributeValues={":one": {"N": "1"}})],
    }
    dynamodb.transact_write_items(**request)
    dynamodb.transact_write_items(**request)
    streams = make_client("dynamodbstreams", endpoint)
    records = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        records.extend(streams.get_records(ShardIterator=iterator)["Records"])
    assert [(r["eventName"], r["dynamodb"]["NewImage"]) for r in records] == [
        ("INSERT", {"pk": {"S": "c"}, "n": {"N": "1"}})
    ]


def test_same_token_with_another_request_is_a_mismatch(dynamodb: Any, hash_table: str) -> None:
    token = str(uuid.uuid4())
    items = [update(hash_table, key("c"), "ADD n :v", ExpressionAttributeValues={":v": {"N": "1"}})]
    dynamodb.transact_write_items(ClientRequestToken=token, TransactItems=items)
    changed = [update(hash_table, key("c"), "ADD n :v", ExpressionAttributeValues={":v": {"N": "5"}})]
    error = refused(dynamodb, ClientRequestToken=token, TransactItems=changed)
    assert error_of_client(error) == (
        "IdempotentParameterMismatchException",
        "The request uses the same client token as a previous, but non-identical request.",
    )
    assert stored(dynamodb, hash_table, key("c")) == {"pk": {"S": "c"}, "n": {"N": "1"}}
    # Another token runs the changed request.
    dynamodb.transact_write_items(ClientRequestToken=str(uuid.uuid4()), TransactItems=changed)
    assert stored(dynamodb, hash_table, key("c")) == {"pk": {"S": "c"}, "n": {"N": "6"}}


def test_token_of_a_cancelled_transaction_can_run_again(dynamodb: Any, hash_table: str) -> None:
    token = str(uuid.uuid4())
    items = [put(hash_table, {"pk": {"S": "late"}}), check(hash_table, key("gate"), "attribute_exists(pk)")]
    error = refused(dynamodb, ClientRequestToken=token, TransactItems=items)
    assert error.response["Error"]["Code"] == "TransactionCanceledException"
    dynamodb.put_item(TableName=hash_table, Item={"pk": {"S": "gate"}})
    dynamodb.transact_write_items(ClientRequestToken=token, TransactItems=items)
    assert stored(dynamodb, hash_table, key("late")) == {"pk": {"S": "late"}}


# --- concurrency ------------------------------------------------------------------------------------


def test_concurrent_increments_lose_no_update(endpoint: str, dynamodb: Any, hash_table: str) -> None:
    workers, rounds = 6, 8
    for name in ("x", "y"):
        dynamodb.put_item(TableName=hash_table, Item={"pk": {"S": name}, "n": {"N": "0"}})

    def increment_both(_: int) -> int:
        client = make_client("dynamodb", endpoint)
        committed = 0
        while committed < rounds:
            current = client.get_item(TableName=hash_table, Key=key("x"), ConsistentRead=True)["Item"]["n"]["N"]
            guarded = {
                "ConditionExpression": "n = :seen",
                "ExpressionAttributeValues": {":seen": {"N": current}, ":one": {"N": "1"}},
            }
            try:
                client.transact_write_items(
                    TransactItems=[
                        update(hash_table, key("x"), "SET n = n + :one", **guarded),
                        update(hash_table, key("y"), "SET n = n + :one", **guarded),
                    ]
                )
            except ClientError as error:
                assert error.response["Error"]["Code"] == "TransactionCanceledException"
                continue
            committed += 1
        return committed

    with ThreadPoolExecutor(workers) as pool:
        total = sum(pool.map(increment_both, range(workers)))
    assert total == workers * rounds
    for name in ("x", "y"):
        assert stored(dynamodb, hash_table, key(name)) == {"pk": {"S": name}, "n": {"N": str(total)}}


def error_of_client(error: ClientError) -> tuple[str, str]:
    details = error.response["Error"]
    return details["Code"], details["Message"]


def test_concurrent_unconditional_adds_all_count(endpoint: str, dynamodb: Any, hash_table: str) -> None:
    workers, rounds = 6, 10

    def add_to_both(worker: int) -> None:
        client = make_client("dynamodb", endpoint)
        for _ in range(rounds):
            client.transact_write_items(
                TransactItems=[
                    update(hash_table, key("p"), "ADD n :one", ExpressionAttributeValues={":one": {"N": "1"}}),
                    update(hash_table, key("q"), "ADD n :one", ExpressionAttributeValues={":one": {"N": "1"}}),
                    put(hash_table, {"pk": {"S": f"w{worker}"}, "last": {"S": "x"}}),
                ]
            )

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(add_to_both, range(workers)))
    for name in ("p", "q"):
        assert stored(dynamodb, hash_table, key(name)) == {"pk": {"S": name}, "n": {"N": str(workers * rounds)}}
