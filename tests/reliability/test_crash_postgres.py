"""The crash campaign of test_crash.py on the PostgreSQL backend: PostgreSQL stays up while the shardline
processes on it are SIGKILLed, one at a time or two sharing the database; the same checks of acknowledged
writes, all-or-nothing, one stream record per change and trigger checkpoints (read from the database)."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.postgres_cluster import PostgresCluster
from tests.reliability.crash_harness import CampaignReport, run_campaign
from tests.reliability.crash_stores import PostgresStore

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")

KILLS = int(os.environ.get("SHARDLINE_CRASH_KILLS", "3"))
SEED = int(os.environ.get("SHARDLINE_CRASH_SEED", "20240501"))
# A PostgreSQL round costs about what a SQLite one does (10 rounds: 23 s against 25 s here), so the long form
# runs as many; a round of two processes costs about 1.5 times as much and kills two, so a fifth as many.
SINGLE_ROUNDS = KILLS
SHARED_ROUNDS = max(2, KILLS // 5)


def _store(cluster: PostgresCluster, root: Path, prefix: str) -> PostgresStore:
    return PostgresStore(cluster.url(cluster.create_database(prefix)), root)


def _assert_clean(report: CampaignReport, kills: int) -> None:
    assert report.kills == kills
    assert report.acknowledged_writes > 0
    assert report.stream_records_verified > 0
    assert not report.problems, report.problems[:10]
    assert report.trigger is not None
    # The trigger really worked under the kills: it handled the stream and had checkpoints to check.
    assert report.trigger.stream_records > 0
    assert report.trigger.positions_checked > 0


def test_writes_stream_records_and_trigger_checkpoints_survive_sigkill_on_postgres(
    postgres_cluster: PostgresCluster, tmp_path: Path,
) -> None:
    report = run_campaign(tmp_path, SINGLE_ROUNDS, SEED, store=_store(postgres_cluster, tmp_path, "crash"))
    print(f"\ncrash campaign on PostgreSQL (seed {SEED}): {report.summary()}")
    _assert_clean(report, SINGLE_ROUNDS)


def test_two_processes_sharing_a_database_survive_sigkill(
    postgres_cluster: PostgresCluster, tmp_path: Path,
) -> None:
    # Writers split over both processes, which are killed one after the other (the survivor serving on for
    # up to half a second), so transactions of both are cut off mid-flight against the same rows and shards.
    store = _store(postgres_cluster, tmp_path, "crash_shared")
    report = run_campaign(tmp_path, SHARED_ROUNDS, SEED + 2, store=store, processes=2)
    print(f"\ncrash campaign on PostgreSQL, two processes (seed {SEED + 2}): {report.summary()}")
    _assert_clean(report, 2 * SHARED_ROUNDS)


def test_checkpoints_are_read_once_the_killed_servers_sessions_have_ended(
    postgres_cluster: PostgresCluster, tmp_path: Path,
) -> None:
    import psycopg

    store = _store(postgres_cluster, tmp_path, "crash_read")
    arn = "arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/2024-01-01T00:00:00.000"
    with psycopg.connect(store.url, autocommit=True) as setup:
        setup.execute("CREATE TABLE trigger_checkpoints (mapping_uuid text, stream_arn text, shard_id text, "
                      "position text)")
        setup.execute("INSERT INTO trigger_checkpoints VALUES ('m', %s, 'A', '20')", (arn,))
    # A session of a "killed" server that its backend has not noticed yet; it commits a later checkpoint
    # before it goes, which the read must see.
    lingering = psycopg.connect(store.url)
    lingering.execute("UPDATE trigger_checkpoints SET position = '30'")

    def finish() -> None:
        lingering.commit()
        lingering.close()

    timer = threading.Timer(0.5, finish)
    started = time.monotonic()
    timer.start()
    try:
        positions = store.read_checkpoints()
    finally:
        timer.join()
    assert time.monotonic() - started >= 0.5
    assert positions == {(arn, "A"): "30"}
