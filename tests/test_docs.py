"""The docs stay true: the support table matches the registry and the registry matches botocore."""

from __future__ import annotations

from pathlib import Path

from shardline.compatibility import model_operations, render_compatibility_table
from shardline.operations.registry import DYNAMODB_PREFIX, STREAMS_PREFIX, build_registry, supported_operations

ROOT = Path(__file__).resolve().parent.parent


def test_compatibility_doc_is_generated_from_the_registry() -> None:
    on_disk = (ROOT / "docs" / "compatibility.md").read_text()
    assert on_disk == render_compatibility_table(), "run `make docs` to regenerate docs/compatibility.md"


def test_registry_names_are_botocore_operation_names() -> None:
    served = supported_operations()
    assert set(served[DYNAMODB_PREFIX]) <= set(model_operations("dynamodb"))
    assert set(served[STREAMS_PREFIX]) <= set(model_operations("dynamodbstreams"))


def test_every_listed_operation_module_loads() -> None:
    registry = build_registry()
    served = supported_operations()
    assert len(registry) == sum(len(ops) for ops in served.values())


def test_readme_quick_start_is_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = [line.strip() for line in quick_start.splitlines() if line.strip().startswith("make ")]
    assert commands == ["make run", "make test"]


def test_architecture_doc_names_existing_modules() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text()
    for module in ["protocol/", "operations/", "expressions/", "values/", "storage/sqlite/"]:
        assert module in text
        assert (ROOT / "src" / "shardline" / module).is_dir()
