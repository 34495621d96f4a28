"""The crash campaign's trigger checks catch what they are meant to: a skipped record, a checkpoint ahead of
the handler, a repeat without a kill or past a checkpoint, records out of order; and the handler's ledger."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.reliability.trigger_audit import Snapshot, read_checkpoints, verify_trigger
from tests.reliability.trigger_ledger import LEDGER_ENV, Handled, read_ledger, record_finished

ARN = "arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/2024-01-01T00:00:00.000"
SERVERS = [101, 202, 303]  # server 0 killed, server 1 killed, server 2 stopped


def record(event_id: str, sequence: int, key: str) -> dict[str, Any]:
    return {"eventID": event_id, "dynamodb": {"SequenceNumber": str(sequence), "Keys": {"pk": {"S": key}}}}


# shard A: a1 a2 a3 (item x), shard B: b1 b2 (item y)
STREAM = {
    "A": [record("a1", 10, "x"), record("a2", 20, "x"), record("a3", 30, "x")],
    "B": [record("b1", 15, "y"), record("b2", 25, "y")],
}


def done(event_id: str, server: int) -> Handled:
    sequence = {r["eventID"]: int(r["dynamodb"]["SequenceNumber"]) for rs in STREAM.values() for r in rs}[event_id]
    key = "x" if event_id.startswith("a") else "y"
    return Handled(event_id, sequence, key, SERVERS[server])


def at(incarnation: int, **positions: str) -> Snapshot:
    return Snapshot(incarnation, {(ARN, shard): position for shard, position in positions.items()})


CLEAN_LEDGER = [done("a1", 0), done("b1", 0), done("a2", 1), done("b2", 1), done("a3", 2)]
CLEAN_SNAPSHOTS = [at(0, A="10", B="TRIM_HORIZON"), at(1, A="20", B="25"), at(2, A="30", B="25")]

CASES: list[tuple[str, list[Handled], list[Snapshot], str | None]] = [
    ("clean run", CLEAN_LEDGER, CLEAN_SNAPSHOTS, None),
    ("a record never handled", [e for e in CLEAN_LEDGER if e.event_id != "a2"], CLEAN_SNAPSHOTS,
     "a2 (shard A) was never handled"),
    ("checkpoint ahead of the handler at a kill", CLEAN_LEDGER, [at(0, A="20"), *CLEAN_SNAPSHOTS[1:]],
     "checkpoint 20 after server 0 is ahead of the handler, which had not finished a2"),
    ("a repeat without a kill", [*CLEAN_LEDGER, done("a3", 2)], CLEAN_SNAPSHOTS, "a3 handled 2 times by server 2"),
    ("a repeat past the checkpoint it started from", [*CLEAN_LEDGER[:2], done("a1", 1), *CLEAN_LEDGER[2:]],
     CLEAN_SNAPSHOTS, "a1 handled again by server 1 although the checkpoint 10 it started from covered it"),
    ("an item's records out of order", [done("a2", 0), done("a1", 0), *CLEAN_LEDGER[2:]],
     [at(0, A="20"), *CLEAN_SNAPSHOTS[1:]], "x: record 10 first handled after 20"),
    ("a record not in the stream", [*CLEAN_LEDGER, Handled("zz", 99, "x", SERVERS[2])], CLEAN_SNAPSHOTS,
     "handled zz, which is not in the stream"),
    ("a checkpoint that is no record", CLEAN_LEDGER, [*CLEAN_SNAPSHOTS[:2], at(2, A="31", B="25")],
     "shard A: checkpoint 31 is no record of the shard"),
]


@pytest.mark.parametrize(("ledger", "snapshots", "problem"), [case[1:] for case in CASES], ids=[c[0] for c in CASES])
def test_trigger_verdicts(ledger: list[Handled], snapshots: list[Snapshot], problem: str | None) -> None:
    verdict = verify_trigger(ARN, STREAM, ledger, snapshots, SERVERS)
    if problem is None:
        assert verdict.problems == []
    else:
        assert any(problem in found for found in verdict.problems), verdict.problems


def test_a_repeat_after_a_kill_behind_the_checkpoint_is_counted_not_blamed() -> None:
    # a2 finished by server 0, which died before its checkpoint moved past a1: server 1 does a2 again.
    ledger = [done("a1", 0), done("a2", 0), done("b1", 0), done("a2", 1), done("b2", 1), done("a3", 2)]
    verdict = verify_trigger(ARN, STREAM, ledger, CLEAN_SNAPSHOTS, SERVERS)
    assert verdict.problems == []
    assert (verdict.repeated, verdict.repeated_records, verdict.stream_records, verdict.shards) == (1, 1, 5, 2)
    assert verdict.positions_checked == 5


def test_the_handler_appends_durable_lines_and_the_reader_drops_only_an_unfinished_last_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ledger.jsonl"
    monkeypatch.setenv(LEDGER_ENV, str(path))
    def event(*records: dict[str, Any]) -> dict[str, Any]:
        return {"Records": [{**one, "eventSourceARN": ARN} for one in records]}

    record_finished(event(record("e1", 5, "k"), record("e2", 6, "k")), None)
    record_finished(event(record("e3", 7, "m")), None)
    with path.open("ab") as out:
        out.write(b'{"id": "e4", "se')  # a worker caught mid-write
    handled = read_ledger(path)
    assert [(h.event_id, h.sequence, h.key) for h in handled] == [("e1", 5, "k"), ("e2", 6, "k"), ("e3", 7, "m")]
    assert len({h.server_pid for h in handled}) == 1


def test_checkpoints_are_read_from_the_sqlite_file(tmp_path: Path) -> None:
    import sqlite3

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    with sqlite3.connect(data_dir / "shardline.db") as connection:
        connection.execute("CREATE TABLE trigger_checkpoints (mapping_uuid, stream_arn, shard_id, position, finished)")
        connection.execute("INSERT INTO trigger_checkpoints VALUES ('m', ?, 'A', '20', 0)", (ARN,))
    connection.close()
    assert read_checkpoints(data_dir) == {(ARN, "A"): "20"}


def test_a_repeat_by_a_server_that_lost_its_lease_is_counted_not_blamed() -> None:
    ledger = [*CLEAN_LEDGER, done("a3", 2)]
    verdict = verify_trigger(ARN, STREAM, ledger, CLEAN_SNAPSHOTS, SERVERS, lease_lapses=frozenset({2}))
    assert verdict.problems == []
    assert (verdict.repeated, verdict.repeated_after_lease_loss) == (1, 1)


# Two processes sharing a database per generation: (101, 111) killed, (202, 222) killed, (303, 333) stopped.
GENERATIONS = [(101, 111), (202, 222), (303, 333)]


def test_generations_of_two_processes_are_one_incarnation_each() -> None:
    # The mapping moves between the processes across generations (here 111 ran it first, then 202): clean.
    ledger = [Handled("a1", 10, "x", 111), Handled("b1", 15, "y", 111), *CLEAN_LEDGER[2:]]
    verdict = verify_trigger(ARN, STREAM, ledger, CLEAN_SNAPSHOTS, GENERATIONS)
    assert verdict.problems == []
    assert verdict.positions_checked == 5


def test_a_repeat_by_the_other_process_of_the_same_generation_is_blamed() -> None:
    # Both processes of generation 2 handled a3 although neither was killed nor lost its lease in between.
    ledger = [*CLEAN_LEDGER, Handled("a3", 30, "x", 333)]
    verdict = verify_trigger(ARN, STREAM, ledger, CLEAN_SNAPSHOTS, GENERATIONS)
    assert any("a3 handled 2 times by server 2" in found for found in verdict.problems), verdict.problems
    lapsed = verify_trigger(ARN, STREAM, ledger, CLEAN_SNAPSHOTS, GENERATIONS, lease_lapses=frozenset({2}))
    assert lapsed.problems == []
    assert lapsed.repeated_after_lease_loss == 1


def test_a_checkpoint_ahead_of_both_processes_of_a_generation_is_blamed() -> None:
    # a2 was finished only by generation 1, yet generation 0's checkpoint claimed it.
    verdict = verify_trigger(ARN, STREAM, CLEAN_LEDGER, [at(0, A="20"), *CLEAN_SNAPSHOTS[1:]], GENERATIONS)
    assert any("checkpoint 20 after server 0 is ahead" in found for found in verdict.problems), verdict.problems
