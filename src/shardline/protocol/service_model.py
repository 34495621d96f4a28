"""botocore's service models compiled once, at start-up, into linked Shape objects that the request
checks (shapes.py, constraints.py) walk without dictionary lookups or regex compilation per request."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from botocore.loaders import Loader

from shardline.operations.registry import DYNAMODB_PREFIX, STREAMS_PREFIX

SERVICES = ((DYNAMODB_PREFIX, "dynamodb"), (STREAMS_PREFIX, "dynamodbstreams"))
API_VERSION = "2012-08-10"

# Shapes AWS reports with a dotted Java package in its messages.
JAVA_PACKAGE = "com.amazonaws.dynamodb.v20120810"

# AWS lists some enums in its own order rather than the model's (recorded in dynalite's AWS-validated
# validation tables); used only while the value set still equals the model's.
AWS_ENUM_ORDER: dict[str, tuple[str, ...]] = {
    "ReturnValue": ("ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE", "UPDATED_NEW"),
    "ConditionalOperator": ("OR", "AND"),
    "Select": ("SPECIFIC_ATTRIBUTES", "COUNT", "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES"),
    "ComparisonOperator": (
        "IN",
        "NULL",
        "BETWEEN",
        "LT",
        "NOT_CONTAINS",
        "EQ",
        "GT",
        "NOT_NULL",
        "NE",
        "LE",
        "BEGINS_WITH",
        "GE",
        "CONTAINS",
    ),
    "ScalarAttributeType": ("B", "N", "S"),
    "ProjectionType": ("ALL", "INCLUDE", "KEYS_ONLY"),
}

# Java regex features in the models that Python spells differently.
_JAVA_PATTERN_REWRITES = (
    (r"\p{Print}", r"[\x20-\x7E]"),
    (r"\uD800\uDC00-\uDBFF\uDFFF", r"\U00010000-\U0010FFFF"),
)


@dataclass(eq=False)
class Shape:
    name: str
    kind: str
    members: dict[str, Member] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    item: Shape | None = None  # list member, or map value
    key: Shape | None = None  # map key
    min: int | float | None = None
    max: int | float | None = None
    pattern: re.Pattern[str] | None = None
    pattern_text: str = ""
    enum: frozenset[str] | None = None
    enum_text: str = ""
    # For "TableArn" members: a table name (not an ARN) is held to the TableName rules instead.
    name_rules: Shape | None = None
    # Plain attributes rather than properties: the request checks ask them for every member of every request.
    is_attribute_value: bool = field(init=False, default=False)
    constrained: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        self.is_attribute_value = self.name == "AttributeValue"
        self.settle()

    def settle(self) -> None:
        """Recomputes `constrained` after min, max, pattern or enum were set."""
        self.constrained = (
            self.min is not None or self.max is not None or self.pattern is not None or self.enum is not None
        )

    def has_constraints(self) -> bool:
        return self.constrained


@dataclass(eq=False)
class Member:
    name: str
    path_name: str  # AWS's camelCase spelling in validation paths: TableName -> tableName
    shape: Shape


def lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def _python_pattern(java: str) -> re.Pattern[str] | None:
    text = java
    for old, new in _JAVA_PATTERN_REWRITES:
        text = text.replace(old, new)
    try:
        return re.compile(text, re.DOTALL)
    except re.error:
        return None


def compile_shapes(raw_shapes: dict[str, Any]) -> dict[str, Shape]:
    """Links every shape of one service model; recursive shapes (AttributeValue) share objects."""
    shapes = {name: Shape(name=name, kind=raw["type"]) for name, raw in raw_shapes.items()}
    for name, raw in raw_shapes.items():
        shape = shapes[name]
        shape.min = raw.get("min")
        shape.max = raw.get("max")
        if "pattern" in raw:
            shape.pattern = _python_pattern(raw["pattern"])
            shape.pattern_text = raw["pattern"]
        if "enum" in raw:
            values = tuple(raw["enum"])
            aws_order = AWS_ENUM_ORDER.get(name)
            if aws_order is not None and set(aws_order) == set(values):
                values = aws_order
            shape.enum = frozenset(values)
            shape.enum_text = "[" + ", ".join(values) + "]"
        if shape.kind == "structure":
            shape.required = tuple(raw.get("required", ()))
            shape.members = {
                member: Member(member, lower_first(member), shapes[spec["shape"]])
                for member, spec in raw.get("members", {}).items()
            }
        elif shape.kind == "list":
            shape.item = shapes[raw["member"]["shape"]]
        elif shape.kind == "map":
            shape.key = shapes[raw["key"]["shape"]]
            shape.item = shapes[raw["value"]["shape"]]
    if "TableArn" in shapes and "TableName" in shapes:
        shapes["TableArn"].name_rules = shapes["TableName"]
    for shape in shapes.values():
        shape.settle()
    return shapes


def java_type_name(shape: Shape) -> str:
    """How AWS's Java deserializer names a shape's type in its messages."""
    if shape.kind == "structure":
        return f"{JAVA_PACKAGE}.{shape.name}"
    if shape.kind == "list":
        assert shape.item is not None
        return f"java.util.List<{java_type_name(shape.item)}>"
    if shape.kind == "map":
        assert shape.item is not None
        return f"java.util.Map<java.lang.String, {java_type_name(shape.item)}>"
    return {
        "string": "java.lang.String",
        "integer": "java.lang.Integer",
        "long": "java.lang.Long",
        "double": "java.lang.Double",
        "boolean": "java.lang.Boolean",
        "blob": "java.nio.ByteBuffer",
        "timestamp": "java.util.Date",
    }.get(shape.kind, "java.lang.Object")


class ServiceModel:
    """Input shapes of every operation of both services, keyed by (target prefix, operation)."""

    def __init__(self, inputs: dict[tuple[str, str], Shape]) -> None:
        self._inputs = inputs

    @classmethod
    def load(cls) -> ServiceModel:
        loader = Loader()
        inputs: dict[tuple[str, str], Shape] = {}
        for prefix, service in SERVICES:
            model = loader.load_service_model(service, "service-2", API_VERSION)
            shapes = compile_shapes(model["shapes"])
            for operation, spec in model["operations"].items():
                input_spec = spec.get("input")
                if input_spec is not None:
                    inputs[(prefix, operation)] = shapes[input_spec["shape"]]
                else:
                    inputs[(prefix, operation)] = Shape(name=f"{operation}Input", kind="structure")
        return cls(inputs)

    def input_shape(self, prefix: str, operation: str) -> Shape | None:
        return self._inputs.get((prefix, operation))
