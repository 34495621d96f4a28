"""Two `shardline serve --postgres --triggers` processes on one database: a mapping runs in one of them at a
time (its lease holder), and after the holder is SIGKILLed the survivor takes the mapping over within a few
lease periods and delivers every record (at least once, nothing skipped)."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

from tests.postgres_cluster import PostgresCluster
from tests.wire.conftest import ServerProcess, start_server, stop_server
from tests.wire.trigger_harness import client, create_stream_table, put, wait_for

LEASE_SECONDS = 2.0
BATCH_SIZE = 5
BEFORE_KILL = 20
ROUND = 5
AFTER_KILL = 15
TABLE = "Orders"

# The handler runs in a worker process the server spawns, so the server is the worker's parent: `server`
# names the shardline process that ran the mapping.
HANDLER = textwrap.dedent('''
    import json, os, pathlib

    OUT = pathlib.Path(__file__).resolve().parent.parent / "handled.jsonl"

    def record(event, context):
        lines = "".join(
            json.dumps({"pk": r["dynamodb"]["Keys"]["pk"]["S"], "server": os.getppid(), "worker": os.getpid()})
            + "\\n"
            for r in event["Records"]
        )
        with open(OUT, "a") as handle:
            handle.write(lines)
''')


def _write_triggers(root: Path) -> Path:
    package = root / "takeover_handlers"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "handlers.py").write_text(HANDLER)
    triggers = root / "triggers.yaml"
    triggers.write_text(yaml.safe_dump({"EventSourceMappings": [{
        "FunctionName": "takeover_handlers.handlers:record", "TableName": TABLE,
        "StartingPosition": "TRIM_HORIZON", "BatchSize": BATCH_SIZE,
    }]}))
    return triggers


def _handled(root: Path) -> list[dict[str, Any]]:
    """Every delivery so far, in the order the handlers wrote them."""
    path = root / "handled.jsonl"
    if not path.exists():
        return []
    # a line may be half-written while a handler appends: only complete lines count
    return [json.loads(line) for line in path.read_text().split("\n")[:-1] if line]


def _all_handled(root: Path, keys: list[str]) -> Callable[[], bool]:
    return lambda: {delivery["pk"] for delivery in _handled(root)} >= set(keys)


def _kill(server: ServerProcess) -> None:
    if server.process.poll() is None:
        server.process.kill()
    server.process.wait()
    if server.process.stdout is not None:
        server.process.stdout.close()


def test_one_process_runs_a_mapping_and_the_survivor_takes_over_after_a_sigkill(
    postgres_cluster: PostgresCluster, tmp_path: Path,
) -> None:
    triggers = _write_triggers(tmp_path)
    url = postgres_cluster.url(postgres_cluster.create_database("takeover"))
    flags = ("--postgres", url, "--triggers", str(triggers), "--trigger-lease-seconds", str(LEASE_SECONDS),
             "--stream-partitions", "1")
    servers: list[ServerProcess] = []
    try:
        servers.append(start_server(tmp_path / "first", *flags))
        servers.append(start_server(tmp_path / "second", *flags))
        pids = {server.process.pid for server in servers}
        clients = [client(server) for server in servers]
        create_stream_table(clients[0], TABLE)
        # Rounds of writes through each process in turn, each round handled before the next: a process
        # hears of its own commits at once, so were the mapping running in both, the writer of a round
        # would tend to deliver it, and the deliveries would switch processes.
        before = [f"a{n:03d}" for n in range(BEFORE_KILL)]
        for start in range(0, BEFORE_KILL, ROUND):
            round_keys = before[start:start + ROUND]
            for key in round_keys:
                put(clients[start // ROUND % 2], TABLE, key)
            wait_for(_all_handled(tmp_path, round_keys), timeout=20, what=f"the records {round_keys}")

        # While both live, the lease holder alone runs the mapping: each record once, all by one server.
        # (Only a holder that failed to renew its lease for a whole lease period could lose the mapping here.)
        first_phase = _handled(tmp_path)
        servers_seen = {d["server"] for d in first_phase}
        assert servers_seen <= pids
        assert len(servers_seen) == 1, f"the mapping ran in both processes: {first_phase}"
        assert sorted(d["pk"] for d in first_phase) == before
        (holder_pid,) = servers_seen
        holder = next(server for server in servers if server.process.pid == holder_pid)
        survivor = next(server for server in servers if server is not holder)

        _kill(holder)
        delivered_before_kill = len(_handled(tmp_path))
        survivor_client = client(survivor)
        after = [f"b{n:03d}" for n in range(AFTER_KILL)]
        for key in after:
            put(survivor_client, TABLE, key)

        def survivor_handled_all() -> bool:
            return {d["pk"] for d in _handled(tmp_path) if d["server"] == survivor.process.pid} >= set(after)

        # the lease runs out at most LEASE_SECONDS after the kill, and the survivor tries every third of it;
        # the rest is slack for starting its handler worker on a busy machine
        wait_for(survivor_handled_all, timeout=5 * LEASE_SECONDS + 5, what="the survivor taking over")

        deliveries = _handled(tmp_path)
        assert {d["pk"] for d in deliveries} == set(before) | set(after)  # nothing skipped
        # after the kill only the survivor delivers, and it resumes from the checkpoint, not the stream's start
        since_kill = deliveries[delivered_before_kill:]
        assert {d["server"] for d in since_kill} == {survivor.process.pid}
        assert len(since_kill) - AFTER_KILL <= 2 * BATCH_SIZE, since_kill
    finally:
        for server in servers:
            if server.process.poll() is None:
                stop_server(server)
            else:
                _kill(server)
