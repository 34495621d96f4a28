"""Hypothesis strategies for request bodies: structurally plausible ones built from botocore's model of each
operation (with DynamoDB-aware values for the members that matter), and mutations of them (wrong types,
missing and unknown members, huge and deeply nested values)."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

import botocore.session
from hypothesis import strategies as st

Json = Any

# The harness creates these tables before fuzzing; bodies name them most of the time so that requests
# get past the existence checks and exercise the operations themselves.
KNOWN_TABLES = ("fuzz-hash", "fuzz-range")
ATTRIBUTE_NAMES = ("pk", "sk", "a", "b", "n", "list", "map", "set")
EXPRESSIONS = (
    "attribute_exists(pk)", "attribute_not_exists(#a)", "a = :v", "#a < :v AND b <> :w", "n BETWEEN :v AND :w",
    "begins_with(a, :v)", "contains(list, :v)", "size(a) > :v", "a IN (:v, :w)", "NOT (a = :v) OR b = :w",
    "SET a = :v", "SET n = n + :v, b = if_not_exists(b, :w)", "REMOVE a, list[0]", "ADD n :v", "DELETE set :v",
    "SET list = list_append(list, :v)", "SET map.#a = :v", "pk = :v", "pk = :v AND sk > :w",
    "pk = :v AND begins_with(sk, :w)", "a, b, map.#a, list[1]", "#a", "a.b.c[2].d", "",
    "SET a = :v REMOVE b", "((a = :v))", "a = :missing", "#missing = :v", "pk = :v AND sk BETWEEN :v AND :w",
)
PLACEHOLDER_NAMES = ("#a", "#b", "#missing")
PLACEHOLDER_VALUES = (":v", ":w", ":missing")
MAX_DEPTH = 5

_model_session = botocore.session.get_session()
SERVICE_MODELS = {
    "DynamoDB_20120810": _model_session.get_service_model("dynamodb"),
    "DynamoDBStreams_20120810": _model_session.get_service_model("dynamodbstreams"),
}


def numbers() -> st.SearchStrategy[str]:
    valid = st.one_of(
        st.integers(-(10**40), 10**40).map(str),
        st.decimals(allow_nan=False, allow_infinity=False, places=5).map(str),
        st.sampled_from(["0", "-0", "1E+125", "9.9999999999999999999999999999999999999E+125", "1E-130"]),
    )
    broken = st.sampled_from(["", "1e999", "abc", "1E-131", "NaN", "Infinity", "0x10", " 1", "1.2.3", "-"])
    return st.one_of(valid, valid, broken)


def binaries() -> st.SearchStrategy[str]:
    return st.one_of(st.binary(max_size=16).map(lambda raw: base64.b64encode(raw).decode()), st.text(max_size=8))


def attribute_values(depth: int = 0) -> st.SearchStrategy[Json]:
    scalars = st.one_of(
        st.builds(lambda text: {"S": text}, st.text(max_size=12)),
        st.builds(lambda number: {"N": number}, numbers()),
        st.builds(lambda raw: {"B": raw}, binaries()),
        st.builds(lambda flag: {"BOOL": flag}, st.booleans()),
        st.just({"NULL": True}),
        st.builds(lambda items: {"SS": items}, st.lists(st.text(max_size=6), max_size=4)),
        st.builds(lambda items: {"NS": items}, st.lists(numbers(), max_size=4)),
        st.builds(lambda items: {"BS": items}, st.lists(binaries(), max_size=3)),
    )
    if depth >= MAX_DEPTH:
        return scalars
    nested = st.deferred(lambda: attribute_values(depth + 1))
    return st.one_of(
        scalars,
        st.builds(lambda items: {"L": items}, st.lists(nested, max_size=3)),
        st.builds(lambda items: {"M": items}, st.dictionaries(attribute_names(), nested, max_size=3)),
    )


def attribute_names() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(ATTRIBUTE_NAMES), st.text(max_size=6))


def items() -> st.SearchStrategy[dict[str, Json]]:
    keyed = st.fixed_dictionaries(
        {"pk": st.builds(lambda text: {"S": text}, st.sampled_from(["k1", "k2", "k3", ""]))},
        optional={"sk": st.builds(lambda number: {"N": number}, st.sampled_from(["1", "2", "3"]))},
    )
    extra = st.dictionaries(attribute_names(), attribute_values(), max_size=4)
    return st.one_of(st.builds(lambda key, rest: {**rest, **key}, keyed, extra), extra)


def _string_member(name: str, shape: Any, pools: dict[str, Sequence[str]]) -> st.SearchStrategy[Json]:
    enum = list(getattr(shape, "enum", None) or [])
    if enum:
        return st.one_of(st.sampled_from(enum), st.sampled_from(enum), st.text(max_size=8))
    pool = pools.get(name) or pools.get(shape.name)
    if pool:
        return st.one_of(st.sampled_from(list(pool)), st.text(max_size=10))
    if name in ("TableName", "TableArn", "ResourceArn") or shape.name in ("TableName", "TableArn"):
        return st.one_of(st.sampled_from(KNOWN_TABLES), st.sampled_from(KNOWN_TABLES), st.text(max_size=12))
    if name.endswith("Expression"):
        return st.one_of(st.sampled_from(EXPRESSIONS), st.text(max_size=30))
    if name in ("AttributeName", "IndexName"):
        return attribute_names()
    return st.text(max_size=16)


def shaped(shape: Any, name: str, depth: int, pools: dict[str, Sequence[str]]) -> st.SearchStrategy[Json]:
    """A value for `shape`, as the member `name` of its parent."""
    kind = shape.type_name
    if shape.name == "AttributeValue":
        return attribute_values()
    if name in ("Item", "Key", "ExclusiveStartKey", "LastEvaluatedKey"):
        return items()
    if name == "ExpressionAttributeNames":
        return st.dictionaries(st.sampled_from(PLACEHOLDER_NAMES), attribute_names(), max_size=3)
    if name == "ExpressionAttributeValues":
        return st.dictionaries(st.sampled_from(PLACEHOLDER_VALUES), attribute_values(), max_size=3)
    if kind == "string":
        return _string_member(name, shape, pools)
    if kind in ("integer", "long"):
        low = shape.metadata.get("min", -5)
        high = shape.metadata.get("max", 10**6)
        return st.one_of(st.integers(low, min(high, low + 200)), st.integers(-(2**63), 2**63))
    if kind == "boolean":
        return st.booleans()
    if kind in ("double", "float"):
        return st.floats(allow_nan=False, allow_infinity=False)
    if kind == "timestamp":
        return st.floats(0, 4e9)
    if kind == "blob":
        return binaries()
    if depth >= MAX_DEPTH:
        return st.none()
    if kind == "list":
        return st.lists(shaped(shape.member, name, depth + 1, pools), max_size=4)
    if kind == "map":
        return st.dictionaries(
            attribute_names(), shaped(shape.value, shape.value.name, depth + 1, pools), max_size=3
        )
    if kind == "structure":
        return structure(shape, depth + 1, pools)
    return st.none()


def structure(shape: Any, depth: int, pools: dict[str, Sequence[str]]) -> st.SearchStrategy[dict[str, Json]]:
    required = set(shape.required_members)
    members = {
        member: shaped(member_shape, member, depth, pools) for member, member_shape in shape.members.items()
    }
    # Required members are usually present; sometimes left out, to reach the "must not be null" checks.
    always = {member: strategy for member, strategy in members.items() if member in required}
    optional = {member: strategy for member, strategy in members.items() if member not in required}
    return st.one_of(
        st.fixed_dictionaries(always, optional=optional),
        st.fixed_dictionaries(always, optional=optional),
        st.fixed_dictionaries({}, optional=members),
    )


def bodies(prefix: str, operation: str, pools: dict[str, Sequence[str]]) -> st.SearchStrategy[Json]:
    """Generated bodies for the operation, and mutations of them."""
    shape = SERVICE_MODELS[prefix].operation_model(operation).input_shape
    plausible = structure(shape, 0, pools) if shape is not None else st.just({})
    return st.one_of(plausible, plausible, mutated(plausible))


# --- mutations ------------------------------------------------------------------------------------------

def random_json(depth: int = 0) -> st.SearchStrategy[Json]:
    leaves = st.one_of(
        st.none(), st.booleans(), st.integers(), st.integers(-(2**200), 2**200), st.floats(allow_nan=False),
        st.text(max_size=10),
    )
    if depth >= 3:
        return leaves
    return st.one_of(
        leaves,
        st.lists(st.deferred(lambda: random_json(depth + 1)), max_size=3),
        st.dictionaries(st.text(max_size=5), st.deferred(lambda: random_json(depth + 1)), max_size=3),
    )


def nested_map(levels: int) -> Json:
    value: Json = {"S": "bottom"}
    for _ in range(levels):
        value = {"M": {"m": value}}
    return value


def nested_list(levels: int) -> Json:
    value: Json = []
    for _ in range(levels):
        value = [value]
    return value


def hostile_values() -> st.SearchStrategy[Json]:
    return st.one_of(
        random_json(),
        st.integers(1, 600).map(nested_map),
        st.integers(1, 3000).map(nested_list),
        st.integers(1, 700_000).map(lambda size: "x" * size),
        st.integers(1, 5_000).map(lambda size: {f"a{index}": {"S": "v"} for index in range(size)}),
        st.integers(1, 2_000).map(lambda size: [{"S": str(index)} for index in range(size)]),
        st.just({"S": "\ud800"}),  # a lone surrogate: not encodable as UTF-8 (orjson refuses to send it)
        st.sampled_from([{"N": "1" * 50_000}, {"B": "===="}, {"SS": []}, {"NS": ["1", "1.0"]}, {"M": None}]),
    )


# A body mutated twice may already hold a 3,000-level list: mutation paths stop this deep (and stay far from
# Python's recursion limit), which still reaches every member of a botocore-shaped body.
MAX_MUTATION_DEPTH = 64


def _paths(value: Json, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if len(prefix) >= MAX_MUTATION_DEPTH:
        return found
    if isinstance(value, dict):
        for key, child in value.items():
            found.extend(_paths(child, (*prefix, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found.extend(_paths(child, (*prefix, index)))
    return found


def _replace(value: Json, path: tuple[Any, ...], new: Json, delete: bool) -> Json:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        copy = dict(value)
        if delete and not rest:
            copy.pop(head, None)
        else:
            copy[head] = _replace(value[head], rest, new, delete)
        return copy
    copy_list = list(value)
    if delete and not rest:
        copy_list.pop(head)
    else:
        copy_list[head] = _replace(value[head], rest, new, delete)
    return copy_list


@st.composite
def _mutation(draw: st.DrawFn, base: Json) -> Json:
    paths = _paths(base)
    path = draw(st.sampled_from(paths))
    action = draw(st.sampled_from(["replace", "delete", "add", "hostile"]))
    if action == "delete" and path:
        return _replace(base, path, None, delete=True)
    if action == "add":
        target = draw(st.sampled_from([p for p in paths if isinstance(_at(base, p), dict)] or [()]))
        container = _at(base, target)
        if isinstance(container, dict):
            return _replace(base, target, {**container, draw(st.text(max_size=8)): draw(random_json())}, False)
    if action == "hostile":
        return _replace(base, path, draw(hostile_values()), delete=False)
    return _replace(base, path, draw(random_json()), delete=False)


def _at(value: Json, path: tuple[Any, ...]) -> Json:
    for step in path:
        value = value[step]
    return value


def mutated(plausible: st.SearchStrategy[Json]) -> st.SearchStrategy[Json]:
    @st.composite
    def build(draw: st.DrawFn) -> Json:
        body = draw(plausible)
        for _ in range(draw(st.integers(1, 3))):
            body = draw(_mutation(body))
        return body

    return build()
