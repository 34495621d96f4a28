"""history_check itself: it accepts histories that one serial order explains and reports each way a store
could break one (lost, torn, duplicated, phantom and out-of-order writes)."""

from __future__ import annotations

from tests.reliability.history_check import Write, check_history

A = Write("a", ("x", "y"), True)
B = Write("b", ("y",), True, {"y": 1})
C = Write("c", ("x",), True)


def test_a_serial_history_passes_with_its_order() -> None:
    verdict = check_history([A, B, C], [], {"x": ["a", "c"], "y": ["a", "b"]}, {"x": 2, "y": 2})
    assert verdict.ok, verdict.problems
    assert verdict.serial_order.index("a") < verdict.serial_order.index("b")
    assert verdict.serial_order.index("a") < verdict.serial_order.index("c")


def test_a_cycle_between_items_is_not_serializable() -> None:
    d = Write("d", ("x", "y"), True)
    verdict = check_history([A, d], [], {"x": ["a", "d"], "y": ["d", "a"]}, {"x": 2, "y": 2})
    assert any("serial order" in problem for problem in verdict.problems)


def test_a_lost_acknowledged_write_is_reported() -> None:
    verdict = check_history([A, B, C], [], {"x": ["a"], "y": ["a", "b"]}, {"x": 1, "y": 2})
    assert any("acknowledged c" in problem for problem in verdict.problems)


def test_a_version_out_of_step_with_the_log_is_a_torn_update() -> None:
    verdict = check_history([C], [], {"x": ["c"]}, {"x": 2})
    assert any("torn" in problem for problem in verdict.problems)


def test_a_refused_write_must_leave_no_trace() -> None:
    verdict = check_history([A], ["c"], {"x": ["a", "c"], "y": ["a"]}, {"x": 2, "y": 1})
    assert any("refused" in problem for problem in verdict.problems)


def test_a_partly_applied_unacknowledged_transaction_is_reported() -> None:
    unknown = Write("u", ("x", "y"), False)
    assert check_history([unknown], [], {"x": [], "y": []}, {"x": 0, "y": 0}).ok
    assert check_history([unknown], [], {"x": ["u"], "y": ["u"]}, {"x": 1, "y": 1}).ok
    verdict = check_history([unknown], [], {"x": ["u"], "y": []}, {"x": 1, "y": 0})
    assert any("partly applied" in problem for problem in verdict.problems)


def test_a_conditional_write_must_sit_at_the_version_it_saw() -> None:
    verdict = check_history([A, B], [], {"x": ["a"], "y": ["b", "a"]}, {"x": 1, "y": 2})
    assert any("expected y at version 1" in problem for problem in verdict.problems)


def test_a_duplicate_or_phantom_entry_is_reported() -> None:
    verdict = check_history([C], [], {"x": ["c", "c", "ghost"]}, {"x": 3})
    assert any("applied twice" in problem for problem in verdict.problems)
    assert any("ghost" in problem for problem in verdict.problems)
