"""The constraint stage of the request checks: required members, lengths, ranges, patterns and enums
from botocore's model, aggregated as AWS does ("N validation errors detected: Value … at 'path' failed to
satisfy constraint: …"). AttributeValue contents are left to values.attribute_value."""

from __future__ import annotations

from typing import Any

from shardline.errors import MAX_REPORTED_VIOLATIONS, ValidationException
from shardline.protocol.service_model import Member, Shape


class _Path:
    """Where a value sits. AWS names top-level members in camelCase ('keySchema.1.member.keyType'), but
    a violation inside a map's value is reported with the wire names and without the value:
    "Value at 'RequestItems.<table>.member.Keys' failed to satisfy constraint: …" (recorded for
    BatchGetItem). The texts are built only when a violation is reported: most requests have none."""

    __slots__ = ("_camel_step", "_parent", "_wire_step", "in_map")

    def __init__(self, parent: _Path | None, camel_step: str, wire_step: str, in_map: bool) -> None:
        self._parent = parent
        self._camel_step = camel_step
        self._wire_step = wire_step
        self.in_map = in_map

    @property
    def camel(self) -> str:
        return self._text(camel=True)

    @property
    def wire(self) -> str:
        return self._text(camel=False)

    def _text(self, *, camel: bool) -> str:
        steps: list[str] = []
        node: _Path | None = self
        while node is not None and node._parent is not None:
            steps.append(node._camel_step if camel else node._wire_step)
            node = node._parent
        return ".".join(reversed(steps))

    def member(self, member: Member) -> _Path:
        return _Path(self, member.path_name, member.name, self.in_map)

    def element(self, index: int) -> _Path:
        step = f"{index}.member"
        return _Path(self, step, step, self.in_map)

    def entry(self, key: str) -> _Path:
        step = f"{key}.member"
        return _Path(self, step, step, True)


class _Violations:
    def __init__(self) -> None:
        self.found: list[str] = []

    @property
    def full(self) -> bool:
        return len(self.found) >= MAX_REPORTED_VIOLATIONS

    def add(self, shape: Shape | None, value: Any, where: _Path, constraint: str) -> None:
        if self.full:
            return
        if where.in_map:
            self.found.append(f"Value at '{where.wire}' failed to satisfy constraint: {constraint}")
            return
        shown = "null" if value is None else f"'{render_value(shape, value)}'"
        self.found.append(f"Value {shown} at '{where.camel}' failed to satisfy constraint: {constraint}")


_TOP = _Path(None, "", "", False)


def check_constraints(shape: Shape, body: dict[str, Any]) -> None:
    """Raises the aggregated ValidationException when any constraint of the input shape fails.
    AWS stops collecting at ten violations (dynalite mirrors it), so the count never exceeds ten."""
    if not _structure_violates(shape, body):
        return  # the common case, decided by the members present alone
    violations = _Violations()
    _structure(shape, body, _TOP, violations)
    if violations.found:
        raise ValidationException.from_violations(violations.found)


def _structure(shape: Shape, value: dict[str, Any], where: _Path, violations: _Violations) -> None:
    required = shape.required
    found = violations.found
    for name, member in shape.members.items():
        if len(found) >= MAX_REPORTED_VIOLATIONS:
            return
        member_value = value.get(name)
        if member_value is None:
            if name in required:
                violations.add(None, None, where.member(member), "Member must not be null")
            continue
        _value(member.shape, member_value, where.member(member), violations)


def _value(shape: Shape, value: Any, where: _Path, violations: _Violations) -> None:
    if shape.is_attribute_value:
        return
    rules = shape
    if shape.name_rules is not None and isinstance(value, str) and not value.startswith("arn:"):
        # TableName parameters take a name or an ARN; a name keeps the old TableName constraints.
        rules = shape.name_rules
    if rules.constrained:
        for constraint in _failed_constraints(rules, value):
            violations.add(shape, value, where, constraint)
    kind = shape.kind
    if kind == "structure":
        _structure(shape, value, where, violations)
    elif kind == "list":
        _elements(shape, value, where, violations)
    elif kind == "map":
        _map(shape, value, where, violations)


def _elements(shape: Shape, value: list[Any], where: _Path, violations: _Violations) -> None:
    assert shape.item is not None
    for index, element in enumerate(value, start=1):
        if element is None:
            violations.add(None, None, where.element(index), "Member must not be null")
        else:
            _value(shape.item, element, where.element(index), violations)


def _map(shape: Shape, value: dict[str, Any], where: _Path, violations: _Violations) -> None:
    key_shape, item_shape = shape.key, shape.item
    assert key_shape is not None and item_shape is not None
    if key_shape.has_constraints() and any(_failed_constraints(key_shape, key) for key in value):
        violations.add(shape, value, where, f"Map keys must satisfy constraint: [{_listing(key_shape)}]")
    if item_shape.kind not in ("structure", "map") and item_shape.has_constraints() and any(
        element is not None and _failed_constraints(item_shape, element) for element in value.values()
    ):
        violations.add(shape, value, where, f"Map value must satisfy constraint: [{_listing(item_shape)}]")
    if item_shape.is_attribute_value:
        return  # contents are values.attribute_value's to check
    for key, element in value.items():
        if element is None:
            violations.add(None, None, where.entry(key), "Member must not be null")
        elif item_shape.kind == "list" and item_shape.has_constraints():
            # the list's own length was reported at the map level just above
            _elements(item_shape, element, where.entry(key), violations)
        elif item_shape.kind in ("structure", "map", "list"):
            _value(item_shape, element, where.entry(key), violations)


# --- the quick verdict: the same rules as the walk above, visiting only the members present and stopping at
# the first violation; only a request that has one pays for the ordered walk that words the message.


def _structure_violates(shape: Shape, value: dict[str, Any]) -> bool:
    for name in shape.required:
        if value.get(name) is None:
            return True
    members = shape.members
    for name, member_value in value.items():
        if member_value is None:
            continue
        member = members.get(name)
        if member is not None and _value_violates(member.shape, member_value):
            return True
    return False


def _value_violates(shape: Shape, value: Any) -> bool:
    if shape.is_attribute_value:
        return False
    rules = shape
    if shape.name_rules is not None and isinstance(value, str) and not value.startswith("arn:"):
        rules = shape.name_rules
    if rules.constrained and _failed_constraints(rules, value):
        return True
    kind = shape.kind
    if kind == "structure":
        return _structure_violates(shape, value)
    if kind == "list":
        return _elements_violate(shape, value)
    if kind == "map":
        return _map_violates(shape, value)
    return False


def _elements_violate(shape: Shape, value: list[Any]) -> bool:
    assert shape.item is not None
    item = shape.item
    return any(element is None or _value_violates(item, element) for element in value)


def _map_violates(shape: Shape, value: dict[str, Any]) -> bool:
    key_shape, item_shape = shape.key, shape.item
    assert key_shape is not None and item_shape is not None
    if key_shape.has_constraints() and any(_failed_constraints(key_shape, key) for key in value):
        return True
    if item_shape.kind not in ("structure", "map") and item_shape.has_constraints() and any(
        element is not None and _failed_constraints(item_shape, element) for element in value.values()
    ):
        return True
    if item_shape.is_attribute_value:
        return False
    for element in value.values():
        if element is None:
            return True
        if item_shape.kind == "list" and item_shape.has_constraints():
            if _elements_violate(item_shape, element):
                return True
        elif item_shape.kind in ("structure", "map", "list") and _value_violates(item_shape, element):
            return True
    return False


def _length(value: Any) -> int:
    if isinstance(value, str):
        # Java measures strings in UTF-16 code units: a character outside the BMP counts twice.
        if value.isascii():
            return len(value)
        return len(value.encode("utf-16-le")) // 2
    if isinstance(value, list | dict):
        return len(value)
    return 0


def _number(limit: int | float) -> str:
    return str(int(limit)) if float(limit).is_integer() else str(limit)


def _failed_constraints(shape: Shape, value: Any) -> list[str]:
    kind = shape.kind
    if kind == "string" and shape.pattern is None and shape.enum is None and isinstance(value, str):
        # Fast path for plain length bounds (map keys such as attribute names): a string has at most
        # twice as many UTF-16 units as characters.
        size = len(value)
        if (shape.min is None or size >= shape.min) and (shape.max is None or 2 * size <= shape.max):
            return []
    failed: list[str] = []
    if shape.enum is not None and value not in shape.enum:
        failed.append(f"Member must satisfy enum value set: {shape.enum_text}")
    if shape.pattern is not None and isinstance(value, str) and shape.pattern.fullmatch(value) is None:
        failed.append(f"Member must satisfy regular expression pattern: {shape.pattern_text}")
    if kind in ("integer", "long", "double", "timestamp"):
        if shape.min is not None and value < shape.min:
            failed.append(f"Member must have value greater than or equal to {_number(shape.min)}")
        if shape.max is not None and value > shape.max:
            failed.append(f"Member must have value less than or equal to {_number(shape.max)}")
    elif kind in ("string", "list", "map", "blob"):
        length = _length(value)
        if shape.min is not None and length < shape.min:
            failed.append(f"Member must have length greater than or equal to {_number(shape.min)}")
        if shape.max is not None and length > shape.max:
            failed.append(f"Member must have length less than or equal to {_number(shape.max)}")
    return failed


def _listing(shape: Shape) -> str:
    """Every constraint of a map's key or value shape, as AWS lists them inside "[…]"."""
    parts: list[str] = []
    if shape.pattern is not None:
        parts.append(f"Member must satisfy regular expression pattern: {shape.pattern_text}")
    noun = "value" if shape.kind in ("integer", "long", "double") else "length"
    if shape.max is not None:
        parts.append(f"Member must have {noun} less than or equal to {_number(shape.max)}")
    if shape.min is not None:
        parts.append(f"Member must have {noun} greater than or equal to {_number(shape.min)}")
    if shape.enum is not None:
        parts.append(f"Member must satisfy enum value set: {shape.enum_text}")
    return ", ".join(parts)


def render_value(shape: Shape | None, value: Any) -> str:
    """A value as AWS's Java service prints it inside 'Value '…'': lists [a, b], maps {k=v},
    structures Name(member=value, …)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        item = shape.item if shape is not None else None
        return "[" + ", ".join(render_value(item, element) for element in value) + "]"
    if isinstance(value, dict):
        if shape is not None and shape.kind == "structure":
            fields = ", ".join(
                f"{member.path_name}={render_value(member.shape, value.get(name))}"
                for name, member in shape.members.items()
            )
            return f"{shape.name}({fields})"
        item = shape.item if shape is not None else None
        return "{" + ", ".join(f"{key}={render_value(item, element)}" for key, element in value.items()) + "}"
    return str(value)
