"""compile_expressions as a whole: limits, the parse cache, what UpdatePlan tells its callers, and
that applying an update or projection leaves its input alone."""

from __future__ import annotations

import copy

import pytest

from shardline.errors import ValidationException
from shardline.expressions.compile import ExpressionCompiler, compile_expressions
from shardline.expressions.evaluate import evaluate_condition
from shardline.expressions.names import top_level_names
from shardline.expressions.projection import project, project_paths
from shardline.expressions.update import apply_update
from shardline.values.types import Item


def test_expression_of_exactly_4096_bytes_is_accepted() -> None:
    name = "a" * (4096 - len("SET  = :v"))
    compiled = compile_expressions(update=f"SET {name} = :v", values={":v": {"N": "1"}})
    assert compiled.update is not None


def test_expression_over_4096_bytes_is_rejected_with_its_size() -> None:
    name = "\u00e9" * 2100  # two UTF-8 bytes each: the limit counts bytes, not characters
    with pytest.raises(ValidationException) as raised:
        compile_expressions(condition=f"attribute_exists({name})")
    assert raised.value.message == (
        "Invalid ConditionExpression: Expression size has exceeded the maximum allowed size; "
        "expression size: 4218"
    )


def test_update_with_more_than_300_operators_is_rejected() -> None:
    values = {":v": {"N": "1"}}
    compile_expressions(update="SET " + ", ".join(f"a{i} = :v" for i in range(300)), values=values)
    with pytest.raises(ValidationException) as raised:
        compile_expressions(update="SET " + ", ".join(f"a{i} = :v" for i in range(301)), values=values)
    assert raised.value.message == (
        "Invalid UpdateExpression: Expression size has exceeded the maximum allowed size;"
    )


def test_in_takes_at_most_100_operands() -> None:
    values = {f":v{i}": {"N": str(i)} for i in range(101)}
    hundred = ", ".join(f":v{i}" for i in range(100))
    with pytest.raises(ValidationException) as raised:
        compile_expressions(condition=f"a IN ({hundred}, :v100)", values=values)
    assert raised.value.message == (
        "Invalid ConditionExpression: Too many operands for the operator or function; "
        "operator or function: IN, number of operands: 101"
    )
    del values[":v100"]
    compiled = compile_expressions(condition=f"a IN ({hundred})", values=values)
    assert compiled.condition is not None
    assert evaluate_condition(compiled.condition, {"a": {"N": "99"}})


def test_errors_follow_the_parameter_order_update_then_condition() -> None:
    with pytest.raises(ValidationException) as raised:
        compile_expressions(condition="foo", update="bar")
    assert raised.value.message == 'Invalid UpdateExpression: Syntax error; token: "bar", near: "bar"'


def test_names_and_values_shared_across_expressions_count_as_used() -> None:
    compiled = compile_expressions(
        condition="#a = :v",
        update="SET #b = :v",
        projection="#a",
        names={"#a": "a", "#b": "b"},
        values={":v": {"S": "x"}},
    )
    assert compiled.update is not None and compiled.update.paths == (("b",),)
    assert compiled.projection is not None and compiled.projection.document_paths == (("a",),)


def test_update_plan_reports_paths_and_top_level_names() -> None:
    compiled = compile_expressions(
        update="SET a.b[1] = :v, #k = :v REMOVE c ADD d :n",
        names={"#k": "pk"},
        values={":v": {"S": "x"}, ":n": {"N": "1"}},
    )
    plan = compiled.update
    assert plan is not None
    assert plan.paths == (("a", "b", 1), ("pk",), ("c",), ("d",))
    assert plan.top_level_names() == frozenset({"a", "pk", "c", "d"})


def test_apply_update_leaves_the_item_and_plan_alone() -> None:
    item: Item = {"pk": {"S": "k"}, "l": {"L": [{"N": "1"}]}, "s": {"SS": ["a"]}}
    before = copy.deepcopy(item)
    compiled = compile_expressions(
        update="SET l[5] = :m, m = :m ADD s :s", values={":m": {"M": {"x": {"N": "1"}}}, ":s": {"SS": ["b"]}}
    )
    assert compiled.update is not None
    first = apply_update(compiled.update, item)
    first["m"]["M"]["x"] = {"N": "2"}
    second = apply_update(compiled.update, item)
    assert item == before
    assert second["m"] == {"M": {"x": {"N": "1"}}}
    assert second["l"] == {"L": [{"N": "1"}, {"M": {"x": {"N": "1"}}}]}


def test_projection_copies_values() -> None:
    item = {"a": {"M": {"b": {"L": [{"N": "1"}]}}}}
    compiled = compile_expressions(projection="a.b")
    assert compiled.projection is not None
    projected = project(compiled.projection, item)
    projected["a"]["M"]["b"]["L"].append({"N": "2"})
    assert item == {"a": {"M": {"b": {"L": [{"N": "1"}]}}}}


def test_project_paths_for_updated_values() -> None:
    item: Item = {"a": {"M": {"b": {"N": "1"}, "c": {"N": "2"}}}, "d": {"S": "x"}}
    expected = {"a": {"M": {"c": {"N": "2"}}}, "d": {"S": "x"}}
    assert project_paths([("a", "c"), ("d",), ("gone",)], item) == expected


def test_compiler_cache_is_bounded_and_reuses_trees() -> None:
    compiler = ExpressionCompiler(cache_size=2)
    values = {":v": {"N": "1"}}
    first = compiler.compile(condition="a = :v", values=values)
    compiler.compile(condition="b = :v", values=values)
    compiler.compile(condition="c = :v", values=values)
    assert len(compiler._cache) == 2
    again = compiler.compile(condition="a = :v", values={":v": {"N": "2"}})
    assert first.condition != again.condition  # values are resolved per request, never cached


def test_cached_errors_are_still_raised() -> None:
    compiler = ExpressionCompiler()
    for _ in range(2):
        with pytest.raises(ValidationException) as raised:
            compiler.compile(projection="a,")
        assert raised.value.message == 'Invalid ProjectionExpression: Syntax error; token: "<EOF>", near: ","'


def test_top_level_names_of_a_filter() -> None:
    compiled = compile_expressions(
        filter="#a.b = :v OR size(c[1]) > :v AND NOT attribute_exists(d)",
        names={"#a": "pk"},
        values={":v": {"N": "1"}},
    )
    assert compiled.filter is not None
    assert top_level_names(compiled.filter) == frozenset({"pk", "c", "d"})
