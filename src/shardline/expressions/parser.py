"""One recursive-descent parser with four entry points: condition (also filter and key condition),
update, projection. It builds the unresolved tree of ast.py and reports syntax errors, in AWS's form
`Syntax error; token: "<tok>", near: "<text>"`, and redundant parentheses (the tree keeps no parentheses);
every other check runs later, in checks.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from shardline.expressions.ast import (
    AddAction,
    And,
    Arithmetic,
    Between,
    Comparison,
    Condition,
    DeleteAction,
    ExpressionError,
    ExpressionSyntaxError,
    FunctionCall,
    In,
    Not,
    Operand,
    Or,
    Path,
    Projection,
    RemoveAction,
    SetAction,
    UpdateAction,
    UpdatePlan,
    ValueRef,
)
from shardline.expressions.lexer import Token, TokenKind, tokenize

T = TypeVar("T")

COMPARATORS = frozenset({"=", "<>", "<", "<=", ">", ">="})
CONDITION_KEYWORDS = frozenset({"AND", "OR", "NOT", "BETWEEN", "IN"})
UPDATE_KEYWORDS = frozenset({"SET", "REMOVE", "ADD", "DELETE"})

# Python's own recursion limit must never be what stops a hostile expression: deeper nesting than
# this is reported as a syntax error at the token where it happens.
MAX_NESTING = 50


class _Parser:
    def __init__(self, text: str, keywords: frozenset[str]) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0
        self.keywords = keywords
        self.depth = 0
        # Packrat memo for the one ambiguity of the grammar, "(" opening either a condition or an
        # operand: without it nested parentheses would be re-parsed exponentially often.
        self.memo: dict[tuple[str, int], tuple[object, int] | ExpressionSyntaxError] = {}

    # --- token helpers ---------------------------------------------------------------------------

    def peek(self, offset: int = 0) -> Token:
        return self.tokens[min(self.index + offset, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind is not TokenKind.EOF:
            self.index += 1
        return token

    def error(self, index: int | None = None) -> ExpressionSyntaxError:
        at = self.index if index is None else index
        token = self.tokens[at]
        start = self.tokens[at - 1].start if at > 0 else token.start
        following = self.tokens[at + 1] if at + 1 < len(self.tokens) else None
        if token.kind is TokenKind.EOF or following is None or following.kind is TokenKind.EOF:
            end = len(self.text)
        else:
            end = following.end
        near = self.text[start:end]
        return ExpressionSyntaxError(f'Syntax error; token: "{token.shown}", near: "{near}"', at)

    def expect_punctuation(self, text: str) -> Token:
        if not self.peek().is_punctuation(text):
            raise self.error()
        return self.advance()

    def is_keyword(self, token: Token) -> bool:
        return token.kind is TokenKind.IDENTIFIER and token.text.upper() in self.keywords

    def at_keyword(self, word: str) -> bool:
        return word in self.keywords and self.peek().is_keyword(word)

    def expect_end(self) -> None:
        if self.peek().kind is not TokenKind.EOF:
            raise self.error()

    def nested(self, parse: Callable[[], T]) -> T:
        self.depth += 1
        try:
            if self.depth > MAX_NESTING:
                raise self.error()
            return parse()
        finally:
            self.depth -= 1

    def attempt(self, rule: str, parse: Callable[[], T]) -> T:
        """Runs parse from the current token, memoised per (rule, position)."""
        key = (rule, self.index)
        found = self.memo.get(key)
        if isinstance(found, ExpressionSyntaxError):
            raise found
        if found is not None:
            node, end = found
            self.index = end
            return node  # type: ignore[return-value]
        start = self.index
        try:
            result = parse()
        except ExpressionSyntaxError as problem:
            self.memo[key] = problem
            self.index = start
            raise
        self.memo[key] = (result, self.index)
        return result

    # --- paths and operands ----------------------------------------------------------------------

    def path_name(self) -> str:
        token = self.peek()
        if token.kind is TokenKind.NAME or (
            token.kind is TokenKind.IDENTIFIER and not self.is_keyword(token)
        ):
            self.advance()
            return token.text
        raise self.error()

    def path(self) -> Path:
        elements: list[str | int] = [self.path_name()]
        while True:
            token = self.peek()
            if token.is_punctuation("."):
                self.advance()
                elements.append(self.path_name())
            elif token.is_punctuation("["):
                self.advance()
                number = self.peek()
                if number.kind is not TokenKind.NUMBER:
                    raise self.error()
                self.advance()
                self.expect_punctuation("]")
                elements.append(int(number.text))
            else:
                return Path(tuple(elements))

    def function_call(self, argument: Callable[[], Operand]) -> FunctionCall:
        name = self.advance().text
        self.expect_punctuation("(")
        args = [argument()]
        while self.peek().is_punctuation(","):
            self.advance()
            args.append(argument())
        self.expect_punctuation(")")
        return FunctionCall(name, tuple(args))

    def operand(self, argument: Callable[[], Operand] | None = None) -> Operand:
        token = self.peek()
        if token.is_punctuation("("):
            return self.attempt("operand", lambda: self.nested(self._parenthesized_operand))
        if token.kind is TokenKind.VALUE:
            self.advance()
            return ValueRef(token.text)
        if (
            token.kind is TokenKind.IDENTIFIER
            and not self.is_keyword(token)
            and self.peek(1).is_punctuation("(")
        ):
            return self.nested(lambda: self.function_call(argument or self.operand))
        return self.path()

    def _parenthesized_operand(self) -> Operand:
        self.advance()
        inner = self.operand()
        self.expect_punctuation(")")
        return inner

    # --- conditions ------------------------------------------------------------------------------

    def condition(self) -> Condition:
        left = self.conjunction()
        while self.at_keyword("OR"):
            self.advance()
            left = Or(left, self.conjunction())
        return left

    def conjunction(self) -> Condition:
        left = self.negation()
        while self.at_keyword("AND"):
            self.advance()
            left = And(left, self.negation())
        return left

    def negation(self) -> Condition:
        if self.at_keyword("NOT"):
            self.advance()
            return Not(self.nested(self.negation))
        return self.primary()

    def primary(self) -> Condition:
        if not self.peek().is_punctuation("("):
            return self.comparison()
        try:
            return self.attempt("grouped", lambda: self.nested(self._grouped_condition))
        except ExpressionSyntaxError as as_group:
            try:
                return self.comparison()
            except ExpressionSyntaxError as as_operand:
                raise as_operand if as_operand.index >= as_group.index else as_group from None

    def _grouped_condition(self) -> Condition:
        self.advance()
        inner = self.condition()
        self.expect_punctuation(")")
        following = self.peek()
        # "(a) = :v" and "(size(a)) > :v" open with an operand, not a condition.
        if (following.kind is TokenKind.PUNCTUATION and following.text in COMPARATORS) or (
            self.at_keyword("BETWEEN") or self.at_keyword("IN")
        ):
            raise self.error()
        return inner

    def comparison(self) -> Condition:
        opened_with_parenthesis = self.peek().is_punctuation("(")
        left = self.operand()
        token = self.peek()
        if token.kind is TokenKind.PUNCTUATION and token.text in COMPARATORS:
            self.advance()
            return Comparison(token.text, left, self.operand())
        if self.at_keyword("BETWEEN"):
            self.advance()
            lower = self.operand()
            if not self.at_keyword("AND"):
                raise self.error()
            self.advance()
            return Between(left, lower, self.operand())
        if self.at_keyword("IN"):
            self.advance()
            self.expect_punctuation("(")
            choices = [self.operand()]
            while self.peek().is_punctuation(","):
                self.advance()
                choices.append(self.operand())
            self.expect_punctuation(")")
            return In(left, tuple(choices))
        if isinstance(left, FunctionCall) and not opened_with_parenthesis:
            return left
        raise self.error()

    # --- update ----------------------------------------------------------------------------------

    def update(self) -> UpdatePlan:
        actions: list[UpdateAction] = []
        sections: list[str] = []
        while True:
            token = self.peek()
            word = token.text.upper() if self.is_keyword(token) else None
            if word is None:
                raise self.error()
            self.advance()
            sections.append(word)
            while True:
                actions.append(self.update_action(word))
                if not self.peek().is_punctuation(","):
                    break
                self.advance()
            if self.peek().kind is TokenKind.EOF:
                return UpdatePlan(tuple(actions), tuple(sections))

    def update_action(self, section: str) -> UpdateAction:
        path = self.path()
        if section == "SET":
            self.expect_punctuation("=")
            return SetAction(path, self.set_value())
        if section == "REMOVE":
            return RemoveAction(path)
        token = self.peek()
        if token.kind is not TokenKind.VALUE:
            raise self.error()
        self.advance()
        value = ValueRef(token.text)
        return AddAction(path, value) if section == "ADD" else DeleteAction(path, value)

    def set_value(self) -> Operand:
        # AWS's own limits page counts the operators of "SET a = :val1 + :val2 + :val3", so chains
        # are accepted, grouping to the left.
        value = self.update_operand()
        while self.peek().is_punctuation("+") or self.peek().is_punctuation("-"):
            operator = self.advance().text
            value = Arithmetic(operator, value, self.update_operand())
        return value

    def update_operand(self) -> Operand:
        if self.peek().is_punctuation("("):
            return self.nested(self._parenthesized_set_value)
        return self.operand(argument=self.update_operand)

    def _parenthesized_set_value(self) -> Operand:
        self.advance()
        inner = self.set_value()
        self.expect_punctuation(")")
        return inner


REDUNDANT_PARENTHESES = "The expression has redundant parentheses;"
# Words after which "(" still groups; after any other identifier it opens a call's arguments.
_GROUPING_AFTER = frozenset({"AND", "OR", "NOT", "BETWEEN"})


def parse_condition(text: str) -> Condition:
    """A condition, filter or key condition. DynamoDB refuses a pair of parentheses whose whole content
    is another parenthesised group, "((a = :v))" or "((a)) = :v", once the expression parses."""
    parser = _Parser(text, CONDITION_KEYWORDS)
    result = parser.condition()
    parser.expect_end()
    if _has_redundant_parentheses(parser.tokens):
        raise ExpressionError(REDUNDANT_PARENTHESES)
    return result


def _has_redundant_parentheses(tokens: list[Token]) -> bool:
    closing: dict[int, int] = {}
    open_at: list[int] = []
    for index, token in enumerate(tokens):
        if token.is_punctuation("("):
            open_at.append(index)
        elif token.is_punctuation(")") and open_at:
            closing[open_at.pop()] = index
    for opening, close in closing.items():
        inner = opening + 1
        if closing.get(inner) == close - 1 and _groups(tokens, opening):
            return True
    return False


def _groups(tokens: list[Token], opening: int) -> bool:
    """Whether the "(" at opening groups, rather than opening a function's or IN's operand list."""
    if opening == 0:
        return True
    before = tokens[opening - 1]
    return before.kind is not TokenKind.IDENTIFIER or before.text.upper() in _GROUPING_AFTER


def parse_update(text: str) -> UpdatePlan:
    return _Parser(text, UPDATE_KEYWORDS).update()


def parse_projection(text: str) -> Projection:
    parser = _Parser(text, frozenset())
    paths = [parser.path()]
    while parser.peek().is_punctuation(","):
        parser.advance()
        paths.append(parser.path())
    parser.expect_end()
    return Projection(tuple(paths))
