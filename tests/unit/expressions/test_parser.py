"""The lexer and parser: token positions, tree shapes, precedence, and no crash on hostile input."""

from __future__ import annotations

import pytest

from shardline.expressions.ast import (
    And,
    Arithmetic,
    Between,
    Comparison,
    ExpressionError,
    ExpressionSyntaxError,
    FunctionCall,
    In,
    Not,
    Or,
    Path,
    Projection,
    RemoveAction,
    SetAction,
    ValueRef,
)
from shardline.expressions.lexer import TokenKind, tokenize
from shardline.expressions.parser import parse_condition, parse_projection, parse_update


def test_tokens_carry_kind_text_and_position() -> None:
    tokens = tokenize("#n <= :v0 AND a[12]")
    assert [(token.kind, token.text, token.start, token.end) for token in tokens] == [
        (TokenKind.NAME, "#n", 0, 2),
        (TokenKind.PUNCTUATION, "<=", 3, 5),
        (TokenKind.VALUE, ":v0", 6, 9),
        (TokenKind.IDENTIFIER, "AND", 10, 13),
        (TokenKind.IDENTIFIER, "a", 14, 15),
        (TokenKind.PUNCTUATION, "[", 15, 16),
        (TokenKind.NUMBER, "12", 16, 18),
        (TokenKind.PUNCTUATION, "]", 18, 19),
        (TokenKind.EOF, "", 19, 19),
    ]


@pytest.mark.parametrize("text", ["@", "#", ":", "a = $"])
def test_stray_characters_become_invalid_tokens(text: str) -> None:
    kinds = [token.kind for token in tokenize(text)]
    assert TokenKind.INVALID in kinds
    assert kinds[-1] is TokenKind.EOF


def test_precedence_not_over_and_over_or() -> None:
    tree = parse_condition("a = :a OR NOT b = :b AND c = :c")
    assert tree == Or(
        Comparison("=", Path(("a",)), ValueRef(":a")),
        And(
            Not(Comparison("=", Path(("b",)), ValueRef(":b"))),
            Comparison("=", Path(("c",)), ValueRef(":c")),
        ),
    )


def test_paths_with_names_members_and_indexes() -> None:
    tree = parse_condition("attribute_exists(#a.b[3][0].c)")
    assert tree == FunctionCall("attribute_exists", (Path(("#a", "b", 3, 0, "c")),))


def test_between_in_and_size_operands() -> None:
    assert parse_condition("size(a) BETWEEN :x AND :y") == Between(
        FunctionCall("size", (Path(("a",)),)), ValueRef(":x"), ValueRef(":y")
    )
    assert parse_condition("a IN (:x, b)") == In(Path(("a",)), (ValueRef(":x"), Path(("b",))))


def test_parenthesized_operand_and_condition() -> None:
    assert parse_condition("(a) = :v") == Comparison("=", Path(("a",)), ValueRef(":v"))
    assert parse_condition("(a = :v)") == Comparison("=", Path(("a",)), ValueRef(":v"))
    size_of_a = FunctionCall("size", (Path(("a",)),))
    assert parse_condition("(size(a)) > :v") == Comparison(">", size_of_a, ValueRef(":v"))
    assert parse_condition("size((a)) > :v") == Comparison(">", size_of_a, ValueRef(":v"))


@pytest.mark.parametrize(
    "text",
    [
        "((a = :v))",
        "((a = :v OR b = :v))",
        "(a = :v) AND ((b = :v))",
        "NOT ((a = :v))",
        "((a)) = :v",
        "a BETWEEN ((:x)) AND :y",
        "a IN (((:x)), :y)",
        "attribute_exists(((a)))",
    ],
)
def test_parentheses_around_a_lone_group_are_redundant(text: str) -> None:
    with pytest.raises(ExpressionError) as raised:
        parse_condition(text)
    assert not isinstance(raised.value, ExpressionSyntaxError)
    assert raised.value.message == "The expression has redundant parentheses;"


@pytest.mark.parametrize(
    "text",
    [
        "((a = :v) AND (b = :v))",
        "((a = :v AND b = :v) AND c = :v)",
        "(a = :v) OR (b = :v AND (c = :v))",
        "a IN ((:x), :y)",
        "size((a)) = :v",
    ],
)
def test_parentheses_that_group_more_than_one_group_are_accepted(text: str) -> None:
    parse_condition(text)


def test_update_sections_and_values() -> None:
    plan = parse_update("SET a = b + :one, c = list_append(c, :l) REMOVE d[1]")
    assert plan.sections == ("SET", "REMOVE")
    assert plan.actions == (
        SetAction(Path(("a",)), Arithmetic("+", Path(("b",)), ValueRef(":one"))),
        SetAction(Path(("c",)), FunctionCall("list_append", (Path(("c",)), ValueRef(":l")))),
        RemoveAction(Path(("d", 1))),
    )


def test_projection_paths() -> None:
    assert parse_projection("a, b.c, d[0]") == Projection((Path(("a",)), Path(("b", "c")), Path(("d", 0))))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a = ", 'Syntax error; token: "<EOF>", near: "= "'),
        ("a = :v extra", 'Syntax error; token: "extra", near: ":v extra"'),
        ("(a = :v", 'Syntax error; token: "<EOF>", near: ":v"'),
        ("a = :v)", 'Syntax error; token: ")", near: ":v)"'),
        ("a IN ()", 'Syntax error; token: ")", near: "()"'),
    ],
)
def test_condition_syntax_errors(text: str, message: str) -> None:
    with pytest.raises(ExpressionSyntaxError) as raised:
        parse_condition(text)
    assert raised.value.message == message


@pytest.mark.parametrize(
    "text",
    [
        "(" * 2000 + "a = :v" + ")" * 2000,
        "NOT " * 1500 + "a = :v",
        "(" * 1000 + "a" + ")" * 1000 + " = :v",
        "size(" * 1000 + "a" + ")" * 1000 + " > :v",
    ],
)
def test_deep_nesting_is_a_syntax_error_not_a_crash(text: str) -> None:
    with pytest.raises(ExpressionSyntaxError) as raised:
        parse_condition(text)
    assert raised.value.message.startswith("Syntax error; token: ")


def test_many_nested_parentheses_parse_quickly() -> None:
    # Each level could open a condition or an operand; memoisation keeps this linear. The parse
    # completes, then DynamoDB's rule refuses the redundant pairs.
    text = "(" * 45 + "a" + ")" * 45 + " = :v"
    with pytest.raises(ExpressionError) as raised:
        parse_condition(text)
    assert raised.value.message == "The expression has redundant parentheses;"
