"""Tumbling windows: boundaries from arrival time, Lambda's window fields, state handling."""

from __future__ import annotations

from shardline.triggers.windows import (
    Window,
    returned_state,
    same_window_count,
    state_too_large,
    window_fields,
    window_of,
)


def test_window_boundaries_are_multiples_of_the_window() -> None:
    assert window_of(1596128400.0, 300) == Window(1596128400.0, 1596128700.0)
    assert window_of(1596128699.0, 300) == Window(1596128400.0, 1596128700.0)
    assert window_of(1596128700.0, 300) == Window(1596128700.0, 1596129000.0)


def test_a_batch_never_spans_two_windows() -> None:
    assert same_window_count([10.0, 11.0, 14.0, 15.0, 16.0], 5) == 3
    assert same_window_count([10.0], 5) == 1
    assert same_window_count([], 5) == 0


def test_window_fields_use_lambdas_names_and_formats() -> None:
    fields = window_fields(
        window=Window(1596128400.0, 1596128700.0), state={"total": 3}, shard_id="shardId-1", stream_arn="arn:x",
        final=True, terminated_early=False,
    )
    assert fields == {
        "window": {"start": "2020-07-30T17:00:00Z", "end": "2020-07-30T17:05:00Z"},
        "state": {"total": 3},
        "shardId": "shardId-1",
        "eventSourceARN": "arn:x",
        "isFinalInvokeForWindow": True,
        "isWindowTerminatedEarly": False,
    }


def test_returned_state() -> None:
    assert returned_state({"state": {"a": 1}}) == {"a": 1}
    assert returned_state({"state": None}) == {}
    assert returned_state("nope") == {}


def test_state_over_one_megabyte_is_too_large() -> None:
    assert not state_too_large({"blob": "x" * 1000})
    assert state_too_large({"blob": "x" * (1024 * 1024)})
