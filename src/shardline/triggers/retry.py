"""What happens to a batch after an invocation, as pure decisions: success, partial failure (resume from the
lowest reported sequence number), retry, bisect, or discard to the OnFailure destination once the retries
are exhausted or the records are older than MaximumRecordAgeInSeconds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

RETRY_ATTEMPTS_EXHAUSTED = "RetryAttemptsExhausted"
RECORD_AGE_EXCEEDED = "RecordAgeExceeded"


@dataclass(frozen=True)
class Verdict:
    """How an invocation went: every record done, the records from `failed_index` on failed (partial), or
    the whole batch failed."""

    kind: Literal["success", "partial", "failure"]
    failed_index: int = 0


SUCCESS = Verdict("success")
FAILURE = Verdict("failure")


def judge_response(
    *,
    function_error: str | None,
    payload: Any,
    sequence_numbers: Sequence[str],
    report_failures: bool,
    needs_state: bool = False,
) -> Verdict:
    """The verdict on one invocation. With ReportBatchItemFailures, an empty or null list (or no response)
    is success, identifiers of records in the batch resume from the lowest of them, and anything else in the
    list (an empty, null or unknown identifier, a missing key) fails the whole batch, as AWS does. A tumbling
    window function must answer with a `state`."""
    if function_error is not None:
        return FAILURE
    if needs_state and not (isinstance(payload, Mapping) and "state" in payload):
        return FAILURE
    if not report_failures or not isinstance(payload, Mapping):
        return SUCCESS
    failures = payload.get("batchItemFailures")
    if failures is None:
        return SUCCESS
    if not isinstance(failures, list):
        return FAILURE
    if not failures:
        return SUCCESS
    positions = {number: index for index, number in enumerate(sequence_numbers)}
    failed: list[int] = []
    for entry in failures:
        if not isinstance(entry, Mapping):
            return FAILURE
        identifier = entry.get("itemIdentifier")
        if not isinstance(identifier, str) or identifier not in positions:
            return FAILURE
        failed.append(positions[identifier])
    return Verdict("partial", min(failed))


@dataclass(frozen=True)
class RetryPolicy:
    maximum_retry_attempts: int  # -1: retry until the records expire
    maximum_record_age_seconds: int  # -1: no limit
    bisect_on_function_error: bool


@dataclass(frozen=True)
class Step:
    """The next move for a batch: `done` leading records are finished; what follows them (from index
    `done`) is retried, split off as a batch of its own, split in two halves, or discarded to the failure
    destination."""

    action: Literal["done", "retry", "split", "bisect", "discard"]
    done: int
    invocations: int = 0  # invocations already spent on the remaining records
    condition: str | None = None
    function_error: str | None = None


def exhausted(policy: RetryPolicy, invocations: int) -> bool:
    """True once a batch was invoked MaximumRetryAttempts + 1 times."""
    return policy.maximum_retry_attempts >= 0 and invocations > policy.maximum_retry_attempts


def after_invocation(
    policy: RetryPolicy, verdict: Verdict, *, length: int, invocations: int, function_error: str | None
) -> Step:
    """The step after an invocation of `length` records, `invocations` counting this one."""
    if verdict.kind == "success":
        return Step("done", length)
    if verdict.kind == "partial":
        # the records before the lowest failure are done; the retry starts at the failed record
        if policy.bisect_on_function_error:
            # With bisect on, Lambda bisects at the returned sequence number and retries only the rest; a
            # rest that fails again at its first record is halved until the failing record is alone, so
            # only that record reaches the failure destination. Splits do not use up the retry quota.
            if verdict.failed_index > 0:
                return Step("split", verdict.failed_index, 0)
            if length > 1:
                return Step("bisect", 0, 0)
        if exhausted(policy, invocations):
            return Step("discard", verdict.failed_index, invocations, RETRY_ATTEMPTS_EXHAUSTED, None)
        return Step("retry", verdict.failed_index, invocations)
    if policy.bisect_on_function_error and length > 1:
        # splits do not use up the retry quota: each half starts afresh
        return Step("bisect", 0, 0)
    if exhausted(policy, invocations):
        return Step("discard", 0, invocations, RETRY_ATTEMPTS_EXHAUSTED, function_error)
    return Step("retry", 0, invocations)


def halves(length: int) -> tuple[int, int]:
    """Bisect sizes: the first half takes the extra record of an odd batch."""
    first = (length + 1) // 2
    return first, length - first


def expired_count(created_ats: Sequence[float], now: float, maximum_age_seconds: int) -> int:
    """How many leading records are older than MaximumRecordAgeInSeconds (records of a shard are in arrival
    order, so the expired ones are a prefix)."""
    if maximum_age_seconds < 0:
        return 0
    count = 0
    for created_at in created_ats:
        if now - created_at <= maximum_age_seconds:
            break
        count += 1
    return count


def retry_delay(retry_number: int, base_seconds: float, cap_seconds: float) -> float:
    """Exponential backoff before retry `retry_number` (1 for the first retry)."""
    if retry_number <= 0:
        return 0.0
    return float(min(cap_seconds, base_seconds * (2 ** min(retry_number - 1, 30))))
