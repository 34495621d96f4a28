"""Loads the table-driven case files under tests/unit/values/cases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CASES = Path(__file__).parent / "cases"


def load_cases(file_name: str) -> Any:
    return json.loads((CASES / file_name).read_text(encoding="utf-8"))
