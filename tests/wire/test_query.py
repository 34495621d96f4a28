"""Query over the wire: key conditions, order, filters, projections, Select, paging, capacity and errors."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.wire.conftest import error_of, unique_name


def rejected(call: Any, **params: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as excinfo:
        call(**params)
    return error_of(excinfo)


def make_table(dynamodb: Any, sort_type: str | None = "N", **extra: Any) -> str:
    name = unique_name("query")
    keys = [{"AttributeName": "pk", "KeyType": "HASH"}]
    definitions = [{"AttributeName": "pk", "AttributeType": "S"}]
    if sort_type is not None:
        keys.append({"AttributeName": "sk", "KeyType": "RANGE"})
        definitions.append({"AttributeName": "sk", "AttributeType": sort_type})
    definitions.extend(extra.pop("more_definitions", []))
    dynamodb.create_table(
        TableName=name, KeySchema=keys, AttributeDefinitions=definitions, BillingMode="PAY_PER_REQUEST", **extra
    )
    return name


def put_all(dynamodb: Any, table: str, items: list[dict[str, Any]]) -> None:
    for item in items:
        dynamodb.put_item(TableName=table, Item=item)


def sort_values(response: dict[str, Any], kind: str = "N") -> list[str]:
    return [item["sk"][kind] for item in response["Items"]]


def query_partition(dynamodb: Any, table: str, partition: str = "p", **params: Any) -> dict[str, Any]:
    values = {":p": {"S": partition}, **params.pop("values", {})}
    condition = params.pop("condition", "")
    return dynamodb.query(  # type: ignore[no-any-return]
        TableName=table,
        KeyConditionExpression="pk = :p" + (f" AND {condition}" if condition else ""),
        ExpressionAttributeValues=values,
        **params,
    )


NUMBERS = ["-99.1", "-10.1", "-9", "-1", "-0.1", "0", "0.01", "0.9", "1", "9", "10.9", "99.1", "100000000000000000000"]


@pytest.fixture
def numbers_table(dynamodb: Any) -> str:
    table = make_table(dynamodb, "N")
    put_all(
        dynamodb, table, [{"pk": {"S": "p"}, "sk": {"N": n}, "v": {"N": str(i % 3)}} for i, n in enumerate(NUMBERS)]
    )
    put_all(dynamodb, table, [{"pk": {"S": "memo"}, "sk": {"N": "5"}}])
    return table


# --- key conditions and order ---------------------------------------------------------------------------


def test_numbers_come_back_in_numeric_order(dynamodb: Any, numbers_table: str) -> None:
    response = query_partition(dynamodb, numbers_table)
    assert sort_values(response) == NUMBERS
    assert response["Count"] == response["ScannedCount"] == len(NUMBERS)


def test_scan_index_forward_false_reverses(dynamodb: Any, numbers_table: str) -> None:
    response = query_partition(dynamodb, numbers_table, ScanIndexForward=False)
    assert sort_values(response) == list(reversed(NUMBERS))


@pytest.mark.parametrize(
    ("condition", "values", "expected"),
    [
        ("sk = :a", {":a": {"N": "9.0"}}, ["9"]),
        ("sk < :a", {":a": {"N": "-1"}}, ["-99.1", "-10.1", "-9"]),
        ("sk <= :a", {":a": {"N": "-1"}}, ["-99.1", "-10.1", "-9", "-1"]),
        ("sk > :a", {":a": {"N": "10.9"}}, ["99.1", "100000000000000000000"]),
        ("sk >= :a", {":a": {"N": "10.9"}}, ["10.9", "99.1", "100000000000000000000"]),
        ("sk BETWEEN :a AND :b", {":a": {"N": "-0.1"}, ":b": {"N": "0.9"}}, ["-0.1", "0", "0.01", "0.9"]),
        (":a < sk", {":a": {"N": "10.9"}}, ["99.1", "100000000000000000000"]),
        (":a >= sk", {":a": {"N": "-9"}}, ["-99.1", "-10.1", "-9"]),
    ],
)
def test_sort_key_operators_on_numbers(
    dynamodb: Any, numbers_table: str, condition: str, values: dict[str, Any], expected: list[str]
) -> None:
    response = query_partition(dynamodb, numbers_table, condition=condition, values=values)
    assert sort_values(response) == expected


def test_strings_sort_by_bytes_and_begins_with(dynamodb: Any) -> None:
    table = make_table(dynamodb, "S")
    words = ["1", "10", "2", "A", "B", "a", "aa", "ab", "b", "é", "ü"]
    put_all(dynamodb, table, [{"pk": {"S": "p"}, "sk": {"S": word}} for word in reversed(words)])
    assert sort_values(query_partition(dynamodb, table), "S") == words
    begins = query_partition(dynamodb, table, condition="begins_with(sk, :x)", values={":x": {"S": "a"}})
    assert sort_values(begins, "S") == ["a", "aa", "ab"]
    between = query_partition(
        dynamodb, table, condition="sk BETWEEN :x AND :y", values={":x": {"S": "B"}, ":y": {"S": "aa"}}
    )
    assert sort_values(between, "S") == ["B", "a", "aa"]


def test_binary_sort_keys_and_begins_with_a_0xff_prefix(dynamodb: Any) -> None:
    table = make_table(dynamodb, "B")
    raw = [b"\x00", b"\x01\xff", b"\xfe", b"\xfe\xff\xff", b"\xff", b"\xff\x00", b"\xff\xff\x01"]
    put_all(dynamodb, table, [{"pk": {"S": "p"}, "sk": {"B": value}} for value in reversed(raw)])
    everything = query_partition(dynamodb, table)
    assert [item["sk"]["B"] for item in everything["Items"]] == raw
    after_ff = query_partition(dynamodb, table, condition="begins_with(sk, :x)", values={":x": {"B": b"\xff"}})
    assert [item["sk"]["B"] for item in after_ff["Items"]] == [b"\xff", b"\xff\x00", b"\xff\xff\x01"]
    fe_prefix = query_partition(dynamodb, table, condition="begins_with(sk, :x)", values={":x": {"B": b"\xfe\xff"}})
    assert [item["sk"]["B"] for item in fe_prefix["Items"]] == [b"\xfe\xff\xff"]
    assert base64.b64encode(b"\xfe") != b""  # binaries travel as base64 on the wire


def test_hash_only_table_query_returns_the_one_item(dynamodb: Any, hash_table: str) -> None:
    put_all(dynamodb, hash_table, [{"pk": {"S": "a"}, "v": {"S": "1"}}, {"pk": {"S": "b"}}])
    response = dynamodb.query(
        TableName=hash_table,
        KeyConditionExpression="#k = :v",
        ExpressionAttributeNames={"#k": "pk"},
        ExpressionAttributeValues={":v": {"S": "a"}},
    )
    assert response["Items"] == [{"pk": {"S": "a"}, "v": {"S": "1"}}]
    empty = dynamodb.query(
        TableName=hash_table, KeyConditionExpression="pk = :v", ExpressionAttributeValues={":v": {"S": "zz"}}
    )
    assert empty["Items"] == [] and empty["Count"] == 0 and empty["ScannedCount"] == 0
    assert "LastEvaluatedKey" not in empty


# --- filters, projections and Select ----------------------------------------------------------------------


def test_filter_counts_after_and_scanned_before(dynamodb: Any, numbers_table: str) -> None:
    response = query_partition(dynamodb, numbers_table, FilterExpression="v = :z", values={":z": {"N": "0"}})
    expected = [n for i, n in enumerate(NUMBERS) if i % 3 == 0]
    assert sort_values(response) == expected
    assert response["Count"] == len(expected)
    assert response["ScannedCount"] == len(NUMBERS)


def test_limit_counts_items_evaluated_before_the_filter(dynamodb: Any, numbers_table: str) -> None:
    response = query_partition(
        dynamodb, numbers_table, FilterExpression="v = :one", values={":one": {"N": "1"}}, Limit=4
    )
    assert response["ScannedCount"] == 4
    assert sort_values(response) == ["-10.1"]
    assert response["LastEvaluatedKey"] == {"pk": {"S": "p"}, "sk": {"N": "-1"}}


def test_projection_expression_and_attributes_to_get(dynamodb: Any, numbers_table: str) -> None:
    projected = query_partition(
        dynamodb, numbers_table, condition="sk = :n", values={":n": {"N": "0"}}, ProjectionExpression="v"
    )
    assert projected["Items"] == [{"v": {"N": "2"}}]
    legacy = dynamodb.query(
        TableName=numbers_table,
        KeyConditions={"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p"}]}},
        AttributesToGet=["sk"],
        Limit=2,
    )
    assert legacy["Items"] == [{"sk": {"N": "-99.1"}}, {"sk": {"N": "-10.1"}}]


def test_select_count_has_no_items(dynamodb: Any, numbers_table: str) -> None:
    response = query_partition(dynamodb, numbers_table, Select="COUNT", Limit=3)
    assert "Items" not in response
    assert response["Count"] == 3 and response["ScannedCount"] == 3
    assert response["LastEvaluatedKey"] == {"pk": {"S": "p"}, "sk": {"N": "-9"}}


def test_select_specific_and_all_attributes(dynamodb: Any, numbers_table: str) -> None:
    specific = query_partition(
        dynamodb, numbers_table, Select="SPECIFIC_ATTRIBUTES", ProjectionExpression="sk", Limit=1
    )
    assert specific["Items"] == [{"sk": {"N": "-99.1"}}]
    everything = query_partition(dynamodb, numbers_table, Select="ALL_ATTRIBUTES", Limit=1)
    assert everything["Items"] == [{"pk": {"S": "p"}, "sk": {"N": "-99.1"}, "v": {"N": "0"}}]


# --- paging -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("forward", [True, False])
def test_paging_sees_every_item_exactly_once(dynamodb: Any, forward: bool) -> None:
    table = make_table(dynamodb, "N")
    put_all(dynamodb, table, [{"pk": {"S": "p"}, "sk": {"N": str(n)}} for n in range(53)])
    seen: list[str] = []
    start: dict[str, Any] | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"Limit": 10, "ScanIndexForward": forward}
        if start is not None:
            params["ExclusiveStartKey"] = start
        response = query_partition(dynamodb, table, **params)
        pages += 1
        seen.extend(sort_values(response))
        start = response.get("LastEvaluatedKey")
        if start is None:
            break
    expected = [str(n) for n in range(53)]
    assert seen == (expected if forward else list(reversed(expected)))
    assert pages == 6


def test_a_page_stops_at_one_megabyte_measured_before_the_filter(dynamodb: Any) -> None:
    table = make_table(dynamodb, "N")
    blob = "x" * 100_000
    put_all(dynamodb, table, [{"pk": {"S": "p"}, "sk": {"N": str(n)}, "payload": {"S": blob}} for n in range(14)])
    first = query_partition(dynamodb, table, Select="COUNT", FilterExpression="attribute_not_exists(payload)")
    # About 100 KB per item: the page ends with the item that reaches 1 MB (the 11th), before the 14th.
    assert 10 <= first["ScannedCount"] <= 11
    assert first["Count"] == 0
    assert "LastEvaluatedKey" in first
    second = query_partition(dynamodb, table, Select="COUNT", ExclusiveStartKey=first["LastEvaluatedKey"])
    assert first["ScannedCount"] + second["ScannedCount"] == 14
    assert "LastEvaluatedKey" not in second


def test_start_key_restarts_inside_a_sort_condition(dynamodb: Any, numbers_table: str) -> None:
    response = query_partition(
        dynamodb,
        numbers_table,
        condition="sk >= :a",
        values={":a": {"N": "0"}},
        ExclusiveStartKey={"pk": {"S": "p"}, "sk": {"N": "0.9"}},
    )
    assert sort_values(response) == ["1", "9", "10.9", "99.1", "100000000000000000000"]


# --- capacity -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("consistent", "units"), [(False, 2.0), (True, 4.0)])
def test_capacity_rounds_the_whole_page_up_to_4kb(dynamodb: Any, consistent: bool, units: float) -> None:
    table = make_table(dynamodb, "N")
    # Three items of about 5 KB: 15 KB read, rounded up once to 16 KB = 4 units (half when eventual).
    put_all(dynamodb, table, [{"pk": {"S": "p"}, "sk": {"N": str(n)}, "d": {"S": "y" * 5000}} for n in range(3)])
    total = query_partition(dynamodb, table, ReturnConsumedCapacity="TOTAL", ConsistentRead=consistent)
    assert total["ConsumedCapacity"] == {"TableName": table, "CapacityUnits": units}
    indexes = query_partition(dynamodb, table, ReturnConsumedCapacity="INDEXES", ConsistentRead=consistent)
    assert indexes["ConsumedCapacity"] == {
        "TableName": table,
        "CapacityUnits": units,
        "Table": {"CapacityUnits": units},
    }
    assert "ConsumedCapacity" not in query_partition(dynamodb, table, ReturnConsumedCapacity="NONE")


def test_an_empty_query_costs_the_minimum(dynamodb: Any, hash_table: str) -> None:
    response = query_partition(dynamodb, hash_table, "nothing", ReturnConsumedCapacity="TOTAL")
    assert response["ConsumedCapacity"] == {"TableName": hash_table, "CapacityUnits": 0.5}


# --- validation -----------------------------------------------------------------------------------------


def test_missing_key_condition(dynamodb: Any, range_table: str) -> None:
    assert rejected(dynamodb.query, TableName=range_table) == (
        "ValidationException",
        "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.",
    )


def test_unknown_table(dynamodb: Any) -> None:
    assert rejected(
        dynamodb.query,
        TableName=unique_name("none"),
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "x"}},
    ) == ("ResourceNotFoundException", "Requested resource not found")


@pytest.mark.parametrize(
    ("expression", "values", "message"),
    [
        ("sk = :n", {":n": {"N": "1"}}, "Query condition missed key schema element: pk"),
        ("pk < :p", {":p": {"S": "a"}}, "Query key condition not supported"),
        (
            "pk = :p AND sk = :s",
            {":p": {"N": "1"}, ":s": {"N": "1"}},
            "One or more parameter values were invalid: Condition parameter type does not match schema type",
        ),
        (
            "pk = :p AND begins_with(sk, :s)",
            {":p": {"S": "a"}, ":s": {"N": "1"}},
            "Invalid KeyConditionExpression: Incorrect operand type for operator or function; "
            "operator or function: begins_with, operand type: N",
        ),
        (
            "pk = :p OR sk = :s",
            {":p": {"S": "a"}, ":s": {"N": "1"}},
            "Invalid operator used in KeyConditionExpression: OR",
        ),
        (
            "((pk = :p)) AND sk = :s",
            {":p": {"S": "a"}, ":s": {"N": "1"}},
            "Invalid KeyConditionExpression: The expression has redundant parentheses;",
        ),
    ],
)
def test_key_condition_errors(
    dynamodb: Any, range_table: str, expression: str, values: dict[str, Any], message: str
) -> None:
    assert rejected(
        dynamodb.query, TableName=range_table, KeyConditionExpression=expression, ExpressionAttributeValues=values
    ) == ("ValidationException", message)


@pytest.mark.parametrize("attribute", ["pk", "sk"])
def test_filter_may_not_name_key_attributes(dynamodb: Any, range_table: str, attribute: str) -> None:
    assert rejected(
        dynamodb.query,
        TableName=range_table,
        KeyConditionExpression="pk = :p",
        FilterExpression=f"attribute_exists({attribute})",
        ExpressionAttributeValues={":p": {"S": "a"}},
    ) == (
        "ValidationException",
        f"Filter Expression can only contain non-primary key attributes: Primary key attribute: {attribute}",
    )


def test_key_attributes_must_be_scalars_in_projections(dynamodb: Any, range_table: str) -> None:
    assert rejected(
        dynamodb.query,
        TableName=range_table,
        KeyConditionExpression="pk = :p",
        ProjectionExpression="sk.nested",
        ExpressionAttributeValues={":p": {"S": "a"}},
    ) == (
        "ValidationException",
        "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: sk",
    )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"Select": "COUNT", "ProjectionExpression": "v"},
            "1 validation error detected: Cannot specify the ProjectionExpression when choosing to get only the Count",
        ),
        (
            {"Select": "ALL_ATTRIBUTES", "ProjectionExpression": "v"},
            "1 validation error detected: Cannot specify the ProjectionExpression when choosing to get ALL_ATTRIBUTES",
        ),
        (
            {"Select": "SPECIFIC_ATTRIBUTES"},
            "1 validation error detected: Must specify the AttributesToGet or ProjectionExpression when choosing "
            "to get SPECIFIC_ATTRIBUTES",
        ),
        (
            {"Select": "ALL_PROJECTED_ATTRIBUTES"},
            "1 validation error detected: ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName",
        ),
        ({"IndexName": "nope"}, "The table does not have the specified index: nope"),
    ],
)
def test_select_and_index_errors(dynamodb: Any, range_table: str, params: dict[str, Any], message: str) -> None:
    assert rejected(
        dynamodb.query,
        TableName=range_table,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "a"}},
        **params,
    ) == ("ValidationException", message)


@pytest.mark.parametrize(
    ("start", "condition", "message"),
    [
        ({"pk": {"S": "p"}}, "", "The provided starting key is invalid"),
        ({"pk": {"S": "p"}, "memo": {"N": "1"}}, "", "The provided starting key is invalid"),
        (
            {"pk": {"S": "elsewhere"}, "sk": {"N": "1"}},
            "",
            "The provided starting key is outside query boundaries based on provided conditions",
        ),
        (
            {"pk": {"S": "p"}, "sk": {"N": "1"}},
            "sk > :n",
            "The provided starting key does not match the range key predicate",
        ),
        ({"pk": {"S": "p"}, "sk": {"S": "1"}}, "", "The provided key element does not match the schema"),
    ],
)
def test_exclusive_start_key_errors(
    dynamodb: Any, range_table: str, start: dict[str, Any], condition: str, message: str
) -> None:
    params: dict[str, Any] = {"ExclusiveStartKey": start, "condition": condition}
    if condition:
        params["values"] = {":n": {"N": "5"}}
    with pytest.raises(ClientError) as excinfo:
        query_partition(dynamodb, range_table, **params)
    assert error_of(excinfo) == ("ValidationException", message)


def test_start_key_values_are_validated_first(dynamodb: Any, range_table: str) -> None:
    assert rejected(
        dynamodb.query,
        TableName=range_table,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "a"}},
        ExclusiveStartKey={"pk": {"N": "x1"}, "sk": {"N": "1"}},
    ) == (
        "ValidationException",
        "The provided starting key is invalid: The parameter cannot be converted to a numeric value: x1",
    )


# --- secondary indexes ------------------------------------------------------------------------------------


@pytest.fixture
def indexed_table(dynamodb: Any) -> str:
    """pk/sk (S/N) with an LSI on `rank` (KEYS_ONLY), an LSI on `rank2` (INCLUDE extra), a KEYS_ONLY GSI on
    `group`/`rank` and an ALL GSI on `group`."""
    table = make_table(
        dynamodb,
        "N",
        more_definitions=[
            {"AttributeName": "rank", "AttributeType": "N"},
            {"AttributeName": "rank2", "AttributeType": "N"},
            {"AttributeName": "group", "AttributeType": "S"},
        ],
        LocalSecondaryIndexes=[
            {
                "IndexName": "by_rank",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "rank", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            },
            {
                "IndexName": "by_rank2",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "rank2", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["extra"]},
            },
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "group_keys",
                "KeySchema": [
                    {"AttributeName": "group", "KeyType": "HASH"},
                    {"AttributeName": "rank", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            },
            {
                "IndexName": "group_all",
                "KeySchema": [{"AttributeName": "group", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            },
        ],
    )
    items = [
        {
            "pk": {"S": "p"},
            "sk": {"N": str(n)},
            "rank": {"N": str(10 - n)},
            "rank2": {"N": str(n)},
            "group": {"S": "g" if n % 2 == 0 else "h"},
            "extra": {"S": f"e{n}"},
            "memo": {"S": f"o{n}"},
        }
        for n in range(6)
    ]
    items.append({"pk": {"S": "p"}, "sk": {"N": "100"}, "memo": {"S": "sparse"}})  # in no index
    put_all(dynamodb, table, items)
    return table


def index_query(dynamodb: Any, table: str, index: str, condition: str, values: dict[str, Any], **params: Any) -> Any:
    return dynamodb.query(
        TableName=table,
        IndexName=index,
        KeyConditionExpression=condition,
        ExpressionAttributeValues=values,
        **params,
    )


def test_lsi_orders_by_its_sort_key_and_projects_keys(dynamodb: Any, indexed_table: str) -> None:
    response = index_query(dynamodb, indexed_table, "by_rank", "pk = :p", {":p": {"S": "p"}})
    assert [item["rank"]["N"] for item in response["Items"]] == ["5", "6", "7", "8", "9", "10"]
    assert response["Items"][0] == {"pk": {"S": "p"}, "sk": {"N": "5"}, "rank": {"N": "5"}}
    assert response["Count"] == 6  # the item without `rank` is not in the index


def test_lsi_fetches_unprojected_attributes_from_the_table(dynamodb: Any, indexed_table: str) -> None:
    everything = index_query(
        dynamodb,
        indexed_table,
        "by_rank",
        "pk = :p AND #r <= :r",
        {":p": {"S": "p"}, ":r": {"N": "6"}},
        ExpressionAttributeNames={"#r": "rank"},
        Select="ALL_ATTRIBUTES",
    )
    assert [item["memo"]["S"] for item in everything["Items"]] == ["o5", "o4"]
    projected = index_query(
        dynamodb,
        indexed_table,
        "by_rank2",
        "pk = :p AND rank2 > :r",
        {":p": {"S": "p"}, ":r": {"N": "3"}},
        ProjectionExpression="extra, memo",
    )
    assert projected["Items"] == [
        {"extra": {"S": "e4"}, "memo": {"S": "o4"}},
        {"extra": {"S": "e5"}, "memo": {"S": "o5"}},
    ]


def test_gsi_query_returns_projected_entries_and_index_keys_in_last_key(dynamodb: Any, indexed_table: str) -> None:
    first = index_query(
        dynamodb,
        indexed_table,
        "group_keys",
        "#g = :g",
        {":g": {"S": "g"}},
        ExpressionAttributeNames={"#g": "group"},
        Limit=2,
    )
    assert first["Items"] == [
        {"pk": {"S": "p"}, "sk": {"N": "4"}, "rank": {"N": "6"}, "group": {"S": "g"}},
        {"pk": {"S": "p"}, "sk": {"N": "2"}, "rank": {"N": "8"}, "group": {"S": "g"}},
    ]
    assert first["LastEvaluatedKey"] == {"pk": {"S": "p"}, "sk": {"N": "2"}, "rank": {"N": "8"}, "group": {"S": "g"}}
    rest = index_query(
        dynamodb,
        indexed_table,
        "group_keys",
        "#g = :g",
        {":g": {"S": "g"}},
        ExpressionAttributeNames={"#g": "group"},
        ExclusiveStartKey=first["LastEvaluatedKey"],
    )
    assert [item["sk"]["N"] for item in rest["Items"]] == ["0"]
    assert "LastEvaluatedKey" not in rest


def test_gsi_with_all_projection_returns_whole_items(dynamodb: Any, indexed_table: str) -> None:
    response = index_query(
        dynamodb,
        indexed_table,
        "group_all",
        "#g = :g",
        {":g": {"S": "h"}},
        ExpressionAttributeNames={"#g": "group"},
        Select="ALL_ATTRIBUTES",
    )
    assert sorted(item["sk"]["N"] for item in response["Items"]) == ["1", "3", "5"]
    assert all("memo" in item for item in response["Items"])


def test_index_capacity_is_charged_to_the_index(dynamodb: Any, indexed_table: str) -> None:
    response = index_query(
        dynamodb,
        indexed_table,
        "group_keys",
        "#g = :g",
        {":g": {"S": "g"}},
        ExpressionAttributeNames={"#g": "group"},
        ReturnConsumedCapacity="INDEXES",
    )
    assert response["ConsumedCapacity"] == {
        "TableName": indexed_table,
        "CapacityUnits": 0.5,
        "Table": {"CapacityUnits": 0.0},
        "GlobalSecondaryIndexes": {"group_keys": {"CapacityUnits": 0.5}},
    }
    local = index_query(
        dynamodb,
        indexed_table,
        "by_rank",
        "pk = :p",
        {":p": {"S": "p"}},
        Select="ALL_ATTRIBUTES",
        ConsistentRead=True,
        ReturnConsumedCapacity="INDEXES",
    )
    # Six entries read from the index (one unit), and six whole items fetched, each a unit of its own.
    assert local["ConsumedCapacity"] == {
        "TableName": indexed_table,
        "CapacityUnits": 7.0,
        "Table": {"CapacityUnits": 6.0},
        "LocalSecondaryIndexes": {"by_rank": {"CapacityUnits": 1.0}},
    }


@pytest.mark.parametrize(
    ("index", "params", "message"),
    [
        ("group_keys", {"ConsistentRead": True}, "Consistent reads are not supported on global secondary indexes"),
        (
            "group_keys",
            {"Select": "ALL_ATTRIBUTES"},
            "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global "
            "secondary index group_keys because its projection type is not ALL",
        ),
        (
            "group_keys",
            {"ProjectionExpression": "memo"},
            "One or more parameter values were invalid: Global secondary index group_keys does not project [memo]",
        ),
        (
            "group_keys",
            {"FilterExpression": "#r > :g"},
            "Filter Expression can only contain non-primary key attributes: Primary key attribute: rank",
        ),
    ],
)
def test_gsi_errors(dynamodb: Any, indexed_table: str, index: str, params: dict[str, Any], message: str) -> None:
    names = {"#g": "group"}
    if "FilterExpression" in params:
        names["#r"] = "rank"
    with pytest.raises(ClientError) as excinfo:
        index_query(
            dynamodb, indexed_table, index, "#g = :g", {":g": {"S": "g"}}, ExpressionAttributeNames=names, **params
        )
    assert error_of(excinfo) == ("ValidationException", message)


def test_index_key_condition_must_use_the_index_key(dynamodb: Any, indexed_table: str) -> None:
    assert rejected(
        dynamodb.query,
        TableName=indexed_table,
        IndexName="group_keys",
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "p"}},
    ) == ("ValidationException", "Query condition missed key schema element: group")
