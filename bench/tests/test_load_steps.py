"""A (b) load step runs only when its projected time and the server's projected memory fit their budgets."""

from __future__ import annotations

from bench.harness.workloads import step_refusal


def test_first_step_runs_without_any_measurement() -> None:
    assert step_refusal(10_000, 0, 0.0, 600.0, 120.0, 0.0, 3072.0) == ""


def test_step_refused_when_projected_memory_passes_the_budget() -> None:
    # 485 MB after 100k items from a 60 MB start: 1M items would need about 4.3 GB more.
    per_item = (485.0 - 60.0) / 100_000
    reason = step_refusal(1_000_000, 100_000, 5_000.0, 600.0, 485.0, per_item, 3072.0)
    assert reason.startswith("not loaded: the server would hold about 4,310 MB at 1,000,000 items")
    assert "budget 3,072 MB" in reason


def test_step_runs_when_memory_stays_inside_the_budget() -> None:
    per_item = (140.0 - 60.0) / 100_000
    assert step_refusal(1_000_000, 100_000, 5_000.0, 600.0, 140.0, per_item, 3072.0) == ""


def test_step_refused_when_projected_time_passes_the_budget() -> None:
    reason = step_refusal(1_000_000, 100_000, 1_000.0, 600.0, 100.0, 0.0, 3072.0)
    assert reason == "not loaded: 900,000 more items would take about 900s at 1,000 items/s (budget 600s)"
