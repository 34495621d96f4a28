"""The front door of expressions: parse, check and resolve all of one request's expressions, reporting
the first problem the way DynamoDB does (order: update, condition, key condition, filter, projection,
then unused names, then unused values), each message prefixed with its parameter's name."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from shardline.errors import ValidationException
from shardline.expressions.ast import (
    Arithmetic,
    Condition,
    ExpressionError,
    FunctionCall,
    Projection,
    UpdatePlan,
)
from shardline.expressions.checks import check_condition, check_projection, check_update
from shardline.expressions.key_condition import KeyCondition, key_condition_from
from shardline.expressions.names import Resolver, walk
from shardline.expressions.parser import parse_condition, parse_projection, parse_update
from shardline.values.types import AttributeValue

__all__ = ["CompiledExpressions", "ExpressionCompiler", "compile_expressions"]

MAX_EXPRESSION_BYTES = 4096
MAX_UPDATE_OPERATORS = 300
_NAME_KEY = re.compile(r"#[0-9A-Za-z_]+")
_VALUE_KEY = re.compile(r":[0-9A-Za-z_]+")

Parsed = TypeVar("Parsed", Condition, UpdatePlan, Projection)


@dataclass(frozen=True)
class CompiledExpressions:
    """The resolved expressions of one request: real attribute names, Literal values."""

    condition: Condition | None = None
    update: UpdatePlan | None = None
    projection: Projection | None = None
    filter: Condition | None = None
    key_condition: KeyCondition | None = None


class ExpressionCompiler:
    """compile_expressions with a parse cache: per instance, bounded, least recently used out first.
    Parsed trees are immutable and hold no values, so they are safe to share between requests (and
    threads: the cache's bookkeeping is locked)."""

    def __init__(self, cache_size: int = 512) -> None:
        self._cache_size = cache_size
        self._cache: OrderedDict[tuple[str, str], Condition | UpdatePlan | Projection] = OrderedDict()
        self._lock = threading.Lock()

    def compile(
        self,
        *,
        condition: str | None = None,
        update: str | None = None,
        projection: str | None = None,
        filter: str | None = None,
        key_condition: str | None = None,
        names: Mapping[str, str] | None = None,
        values: Mapping[str, AttributeValue] | None = None,
    ) -> CompiledExpressions:
        if (
            names is None and values is None and condition is None and update is None and projection is None
            and filter is None and key_condition is None
        ):
            return _NOTHING  # most item requests: nothing to parse, check or resolve
        _check_keys(names, values)
        names = names or {}
        values = values or {}
        resolver = Resolver(names, values)

        compiled_update = None
        if update is not None:
            plan = self._parse("UpdateExpression", update, parse_update)
            _run("UpdateExpression", lambda: _check_update_plan(plan, names, values))
            compiled_update = resolver.update(plan)

        def condition_kind(parameter: str, text: str | None) -> Condition | None:
            if text is None:
                return None
            parsed = self._parse(parameter, text, parse_condition)
            _run(parameter, lambda: check_condition(parsed, names, values))
            return resolver.condition(parsed)

        compiled_condition = condition_kind("ConditionExpression", condition)
        compiled_key = condition_kind("KeyConditionExpression", key_condition)
        compiled_filter = condition_kind("FilterExpression", filter)

        compiled_projection = None
        if projection is not None:
            paths = self._parse("ProjectionExpression", projection, parse_projection)
            _run("ProjectionExpression", lambda: check_projection(paths, names))
            compiled_projection = resolver.projection(paths)

        _check_unused("ExpressionAttributeNames", names, resolver.used_names)
        _check_unused("ExpressionAttributeValues", values, resolver.used_values)

        key_condition_result = None
        if compiled_key is not None:
            key_condition_result = _run("", lambda: key_condition_from(compiled_key))
        return CompiledExpressions(
            condition=compiled_condition,
            update=compiled_update,
            projection=compiled_projection,
            filter=compiled_filter,
            key_condition=key_condition_result,
        )

    def _parse(self, parameter: str, text: str, parse: Callable[[str], Parsed]) -> Parsed:
        if text == "":
            raise ValidationException(f"Invalid {parameter}: The expression can not be empty;")
        size = len(text.encode("utf-8"))
        if size > MAX_EXPRESSION_BYTES:
            raise ValidationException(
                f"Invalid {parameter}: Expression size has exceeded the maximum allowed size; "
                f"expression size: {size}"
            )
        key = (parse.__name__, text)
        if self._cache_size > 0:
            with self._lock:
                cached = self._cache.get(key)
                if cached is not None:
                    self._cache.move_to_end(key)
                    return cached  # type: ignore[return-value]
        parsed = _run(parameter, lambda: parse(text))
        if self._cache_size > 0:
            with self._lock:
                self._cache[key] = parsed
                if len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return parsed


T = TypeVar("T")


def _run(parameter: str, work: Callable[[], T]) -> T:
    try:
        return work()
    except ExpressionError as problem:
        prefix = f"Invalid {parameter}: " if parameter else ""
        raise ValidationException(prefix + problem.message) from None


def _check_update_plan(
    plan: UpdatePlan, names: Mapping[str, str], values: Mapping[str, AttributeValue]
) -> None:
    check_update(plan, names, values)
    operators = len(plan.actions) + sum(
        1 for node in walk(plan) if isinstance(node, Arithmetic | FunctionCall)
    )
    if operators > MAX_UPDATE_OPERATORS:
        # The same words DynamoDB uses for an over-long expression, without the byte count.
        raise ExpressionError("Expression size has exceeded the maximum allowed size;")


def _check_keys(names: Mapping[str, str] | None, values: Mapping[str, AttributeValue] | None) -> None:
    if names is not None:
        if not names:
            raise ValidationException("ExpressionAttributeNames must not be empty")
        for key in names:
            if not _NAME_KEY.fullmatch(key):
                raise ValidationException(
                    f'ExpressionAttributeNames contains invalid key: Syntax error; key: "{key}"'
                )
    if values is not None:
        if not values:
            raise ValidationException("ExpressionAttributeValues must not be empty")
        for key in values:
            if not _VALUE_KEY.fullmatch(key):
                raise ValidationException(
                    f'ExpressionAttributeValues contains invalid key: Syntax error; key: "{key}"'
                )


def _check_unused(parameter: str, provided: Mapping[str, object], used: set[str]) -> None:
    unused = [key for key in provided if key not in used]
    if unused:
        raise ValidationException(
            f"Value provided in {parameter} unused in expressions: keys: {{{', '.join(unused)}}}"
        )


def compile_expressions(
    *,
    condition: str | None = None,
    update: str | None = None,
    projection: str | None = None,
    filter: str | None = None,
    key_condition: str | None = None,
    names: Mapping[str, str] | None = None,
    values: Mapping[str, AttributeValue] | None = None,
) -> CompiledExpressions:
    """Parses, checks and resolves the given expressions (None = parameter absent). names/values None
    means the parameter is absent; an empty mapping is AWS's "must not be empty" error. values must
    already be validated AttributeValues (values.attribute_value). Parsed trees come from one bounded
    process-wide cache: a client repeats the same few expressions, and re-parsing them cost every request."""
    return _SHARED.compile(
        condition=condition,
        update=update,
        projection=projection,
        filter=filter,
        key_condition=key_condition,
        names=names,
        values=values,
    )


_NOTHING = CompiledExpressions()
_SHARED = ExpressionCompiler()
