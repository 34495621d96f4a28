"""Crash consistency: writers against a server with streams and a trigger mapping, SIGKILL at random moments,
restart on the same data; every acknowledged write survives, every unacknowledged one is all or nothing, the
stream holds exactly one record per committed change, in order, and the trigger skips no record and never
checkpoints ahead of its handler. `make test-crash` runs the long form (SHARDLINE_CRASH_KILLS, default 300
there); here a handful of kills."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.reliability.crash_harness import run_campaign

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")

KILLS = int(os.environ.get("SHARDLINE_CRASH_KILLS", "3"))
SEED = int(os.environ.get("SHARDLINE_CRASH_SEED", "20240501"))


def test_writes_stream_records_and_trigger_checkpoints_survive_sigkill(tmp_path: Path) -> None:
    report = run_campaign(tmp_path, KILLS, SEED)
    print(f"\ncrash campaign (seed {SEED}): {report.summary()}")
    assert report.kills == KILLS
    assert report.acknowledged_writes > 0
    assert not report.problems, report.problems[:10]
    assert report.trigger is not None
    # The trigger really worked under the kills: it handled the stream and had checkpoints on disk to check.
    assert report.trigger.stream_records > 0
    assert report.trigger.positions_checked > 0


def test_relaxed_durability_survives_process_crashes(tmp_path: Path) -> None:
    # synchronous=NORMAL loses nothing acknowledged when only the process dies (not the machine).
    report = run_campaign(tmp_path, max(2, KILLS // 5), SEED + 1, ("--relaxed-durability",))
    print(f"\ncrash campaign, relaxed durability: {report.summary()}")
    assert not report.problems, report.problems[:10]
    assert report.trigger is not None and report.trigger.stream_records > 0
