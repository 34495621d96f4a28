"""Batch outcomes as pure decisions: response verdicts, retry/bisect/discard steps, record age, backoff."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from shardline.triggers.retry import (
    RetryPolicy,
    Step,
    Verdict,
    after_invocation,
    expired_count,
    halves,
    judge_response,
    retry_delay,
)

CASES = json.loads((Path(__file__).parent / "cases" / "batch_responses.json").read_text())["cases"]
SEQUENCES = ["100000000000000000011", "100000000000000000012", "100000000000000000013"]


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_report_batch_item_failures_verdicts(case: dict[str, Any]) -> None:
    verdict = judge_response(
        function_error=case.get("function_error"), payload=case["payload"], sequence_numbers=SEQUENCES,
        report_failures=True,
    )
    assert verdict.kind == case["verdict"]
    if case["verdict"] == "partial":
        assert verdict.failed_index == case["failed_index"]


def test_without_report_batch_item_failures_the_response_is_ignored() -> None:
    payload = {"batchItemFailures": [{"itemIdentifier": ""}]}
    assert judge_response(function_error=None, payload=payload, sequence_numbers=SEQUENCES,
                          report_failures=False).kind == "success"
    assert judge_response(function_error="Unhandled", payload=None, sequence_numbers=SEQUENCES,
                          report_failures=False).kind == "failure"


@pytest.mark.parametrize(
    ("payload", "expected"),
    [({"state": {"n": 1}}, "success"), ({"state": {}}, "success"), ({}, "failure"), (None, "failure"),
     ({"batchItemFailures": []}, "failure")],
)
def test_tumbling_window_responses_must_carry_state(payload: Any, expected: str) -> None:
    verdict = judge_response(function_error=None, payload=payload, sequence_numbers=SEQUENCES,
                             report_failures=True, needs_state=True)
    assert verdict.kind == expected


INFINITE = RetryPolicy(-1, -1, False)
TWO_RETRIES = RetryPolicy(2, -1, False)
BISECT = RetryPolicy(0, -1, True)
BISECT_TWO_RETRIES = RetryPolicy(2, -1, True)
FAIL = Verdict("failure")


@pytest.mark.parametrize(
    ("policy", "verdict", "length", "invocations", "expected"),
    [
        (INFINITE, Verdict("success"), 5, 1, Step("done", 5)),
        (INFINITE, FAIL, 5, 1, Step("retry", 0, 1)),
        (INFINITE, FAIL, 5, 500, Step("retry", 0, 500)),
        (TWO_RETRIES, FAIL, 5, 2, Step("retry", 0, 2)),
        # MaximumRetryAttempts 2 means three invocations in all, then the batch is given up
        (TWO_RETRIES, FAIL, 5, 3, Step("discard", 0, 3, "RetryAttemptsExhausted", "Unhandled")),
        (TWO_RETRIES, Verdict("partial", 2), 5, 1, Step("retry", 2, 1)),
        (TWO_RETRIES, Verdict("partial", 2), 5, 3, Step("discard", 2, 3, "RetryAttemptsExhausted", None)),
        (BISECT, FAIL, 4, 1, Step("bisect", 0, 0)),
        (BISECT, FAIL, 1, 1, Step("discard", 0, 1, "RetryAttemptsExhausted", "Unhandled")),
        (RetryPolicy(1, -1, True), FAIL, 1, 1, Step("retry", 0, 1)),
        # bisect with ReportBatchItemFailures: the batch is split at the returned sequence number and the
        # rest retried on its own, with a fresh quota even when the batch's quota is spent
        (BISECT_TWO_RETRIES, Verdict("partial", 3), 6, 1, Step("split", 3, 0)),
        (BISECT_TWO_RETRIES, Verdict("partial", 3), 6, 3, Step("split", 3, 0)),
        # a rest that fails again at its first record is halved, until the failing record is alone
        (BISECT_TWO_RETRIES, Verdict("partial", 0), 6, 1, Step("bisect", 0, 0)),
        (BISECT_TWO_RETRIES, Verdict("partial", 0), 1, 1, Step("retry", 0, 1)),
        (BISECT_TWO_RETRIES, Verdict("partial", 0), 1, 3, Step("discard", 0, 3, "RetryAttemptsExhausted", None)),
    ],
)
def test_step_after_invocation(
    policy: RetryPolicy, verdict: Verdict, length: int, invocations: int, expected: Step
) -> None:
    function_error = "Unhandled" if verdict.kind == "failure" else None
    assert after_invocation(policy, verdict, length=length, invocations=invocations,
                            function_error=function_error) == expected


def test_halves_give_the_first_half_the_odd_record() -> None:
    assert halves(5) == (3, 2)
    assert halves(4) == (2, 2)
    assert halves(2) == (1, 1)


@pytest.mark.parametrize(
    ("created", "now", "maximum", "expected"),
    [
        ([100.0, 150.0, 200.0], 230.0, -1, 0),
        ([100.0, 150.0, 200.0], 230.0, 60, 2),
        ([100.0, 150.0, 200.0], 230.0, 100, 1),
        ([100.0, 150.0, 200.0], 230.0, 130, 0),
        ([], 230.0, 60, 0),
    ],
)
def test_expired_records_are_a_prefix(created: list[float], now: float, maximum: int, expected: int) -> None:
    assert expired_count(created, now, maximum) == expected


def test_retry_delay_doubles_up_to_its_cap() -> None:
    assert [retry_delay(n, 0.1, 0.5) for n in range(5)] == [0.0, 0.1, 0.2, 0.4, 0.5]
