"""Tumbling windows (TumblingWindowInSeconds): fixed windows of record arrival time, with the window fields
Lambda adds to the event and the state carried between invocations."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

# Lambda keeps at most 1 MB of state per shard; a larger state ends the window early.
MAX_STATE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Window:
    start: float
    end: float


def window_of(created_at: float, seconds: int) -> Window:
    start = math.floor(created_at / seconds) * seconds
    return Window(float(start), float(start + seconds))


def same_window_count(created_ats: Sequence[float], seconds: int) -> int:
    """How many leading records fall in the first record's window (a batch never spans two windows)."""
    if not created_ats:
        return 0
    first = window_of(created_ats[0], seconds)
    count = 0
    for created_at in created_ats:
        if window_of(created_at, seconds) != first:
            break
        count += 1
    return count


def iso_second(epoch: float) -> str:
    """Lambda's window bounds: `2020-07-30T17:00:00Z`."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def window_fields(
    *,
    window: Window,
    state: Mapping[str, Any],
    shard_id: str,
    stream_arn: str,
    final: bool,
    terminated_early: bool,
) -> dict[str, Any]:
    """The fields Lambda puts next to `Records` for a tumbling-window invocation."""
    return {
        "window": {"start": iso_second(window.start), "end": iso_second(window.end)},
        "state": dict(state),
        "shardId": shard_id,
        "eventSourceARN": stream_arn,
        "isFinalInvokeForWindow": final,
        "isWindowTerminatedEarly": terminated_early,
    }


def returned_state(payload: Any) -> dict[str, Any]:
    """The state a function returned (an object; anything else, such as null, starts empty)."""
    if isinstance(payload, Mapping):
        state = payload.get("state")
        if isinstance(state, Mapping):
            return dict(state)
    return {}


def state_too_large(state: Mapping[str, Any]) -> bool:
    try:
        return len(orjson.dumps(state)) > MAX_STATE_BYTES
    except TypeError:
        return True
