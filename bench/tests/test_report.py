"""The report: ratios, cells, target verdicts, missing figures and the saved results."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.harness.load import LoadResult
from bench.harness.report import advantage, busy_machine_note, cell, number, render, results_table, targets
from bench.harness.results import Measurement, Metric, Missing, RunResults, load, save
from bench.harness.workloads import measured

RATE = Metric("put.rate", "a", "PutItem/s", "ops/s", True)
LATENCY = Metric("put.p50", "a", "PutItem p50", "ms", False)


def run_with(peers: dict[str, dict[str, Measurement | Missing]], harness: dict[str, Measurement] | None = None
             ) -> RunResults:
    results = RunResults("make bench-quick", "quick", "2026-01-01 00:00 UTC", {"cpu": "test"}, "core split",
                         (10_000, 100_000))
    results.peers = dict(peers)
    results.harness = dict(harness or {})
    return results


@pytest.mark.parametrize(("metric", "ours", "theirs", "expected"), [
    (RATE, 1000.0, 250.0, 4.0),     # higher is better: ours / theirs
    (RATE, 100.0, 400.0, 0.25),
    (LATENCY, 2.0, 10.0, 5.0),      # lower is better: theirs / ours
    (LATENCY, 8.0, 2.0, 0.25),
])
def test_advantage_is_how_many_times_better_shardline_is(
    metric: Metric, ours: float, theirs: float, expected: float
) -> None:
    assert advantage(metric, Measurement([ours], metric.unit), Measurement([theirs], metric.unit)) == expected


def test_advantage_needs_both_figures() -> None:
    assert advantage(RATE, Measurement([1.0], "ops/s"), Missing("not available yet")) is None
    assert advantage(RATE, None, Measurement([1.0], "ops/s")) is None


def test_cell_shows_median_with_min_max_or_the_reason() -> None:
    assert cell(Measurement([900.0, 1200.0, 1000.0], "ops/s")) == "1,000 (900–1,200)"
    assert cell(Measurement([1.234], "ms")) == "1.23"
    assert cell(Missing("not available yet: no ListStreams")) == "*not available yet: no ListStreams*"
    assert cell(None) == "–"


def test_number_keeps_three_significant_figures_or_so() -> None:
    assert [number(12345.6), number(45.67), number(0.1234)] == ["12,346", "45.7", "0.12"]


def verdicts(results: RunResults) -> dict[str, str]:
    return {target.text: target.verdict() for target in targets(results)}


def test_put_targets_compare_stream_on_rates_in_the_same_run() -> None:
    results = run_with({
        "shardline": {"put_stream.rate": Measurement([5000.0], "ops/s")},
        "moto": {"put_stream.rate": Measurement([300.0], "ops/s")},
        "ministack": {"put_stream.rate": Measurement([2000.0], "ops/s")},
        "dynalite": {"put.rate": Measurement([6000.0], "ops/s")},
    })
    found = verdicts(results)
    assert found["PutItem, stream on, durable: ≥ 20× moto"] == "**missed**"  # 16.7×
    assert found["PutItem, stream on, durable: ≥ 2× ministack"] == "met"  # 2.5×
    assert found["PutItem, stream on, durable: ≥ dynalite's in-memory PutItem without stream"] == "**missed**"


def test_a_target_whose_figure_is_missing_says_why() -> None:
    results = run_with({
        "shardline": {"put_stream.rate": Missing("not available yet: the server does not serve ListStreams")},
        "moto": {"put_stream.rate": Measurement([300.0], "ops/s")},
    })
    found = verdicts(results)
    assert found["PutItem, stream on, durable: ≥ 20× moto"] == (
        "not measured (shardline: not available yet: the server does not serve ListStreams)")
    assert found["PutItem, stream on, durable: ≥ 2× ministack"].startswith("not measured")
    assert found["trigger p50 under 10 ms (ms)"].startswith("not measured")


def test_upper_bound_targets() -> None:
    results = run_with({"shardline": {
        "memory.100k": Measurement([80.0], "MB"),
        "query.p50.10k": Measurement([1.0], "ms"),
        "query.p50.100k": Measurement([1.6], "ms"),
        "boto3.put.rate": Measurement([700.0], "calls/s"),
    }}, {"sink.boto3.rate": Measurement([800.0], "calls/s")})
    found = verdicts(results)
    assert found["memory at 100k items under 100 MB (MB)"] == "met"
    assert found["Query p50 at 100k items within 1.5× of 10k (ratio)"] == "**missed**"
    assert found["single boto3 client: ≥ 85% of its rate against an instant sink"] == "met"


def test_visibility_and_stream_cost_targets() -> None:
    results = run_with({
        "shardline": {"stream.visible_ack.p99": Measurement([3.0, 4.0, 6.0], "ms"),
                      "stream.visible.p99": Measurement([7.0], "ms"),
                      "put.rate": Measurement([1000.0], "ops/s"), "put_stream.rate": Measurement([790.0], "ops/s")},
        "ministack": {"stream.visible_ack.p99": Measurement([4.5], "ms"),
                      "stream.visible.p99": Measurement([5.0], "ms")},
    })
    found = verdicts(results)
    assert found["acknowledged write to readable p99 under 5 ms (ms)"] == "met"  # median 4.0
    assert found["acknowledged write to readable p99 ≤ MiniStack's (ratio ours/theirs ≤ 1)"] == "met"
    assert found["write-to-readable p99 from sending the write ≤ MiniStack's (ratio ours/theirs ≤ 1)"] == (
        "**missed**")
    assert found["PutItem/s with a stream ≥ 80% of the same without (ratio)"] == "**missed**"  # 0.79


def test_render_names_the_command_the_workload_sections_and_the_reasons() -> None:
    results = run_with({
        "shardline": {"put.rate": Measurement([1000.0, 1100.0, 900.0], "ops/s")},
        "dynalite": {"put.rate": Measurement([500.0], "ops/s"),
                     "put_stream.rate": Missing("n/a: this peer has no DynamoDB Streams")},
    })
    text = render(results, "benchmarks.png")
    assert "`make bench-quick`" in text
    assert "| PutItem/s, stream off | ops/s | 1,000 (900–1,100) | 500 · **×2.00** |" in text
    assert "*n/a: this peer has no DynamoDB Streams*" in text
    for heading in ("## (e) Trigger commit-to-handler latency and throughput",
                    "## (f) Consumer library records/s with 1 and 3 workers",
                    "## (h) PostgreSQL backend with 1 and 2 server processes"):
        assert heading in text
    assert "## Not measured yet" not in text  # every workload of issue #8 has its section now
    assert "![shardline's advantage over each peer](benchmarks.png)" in text


def test_results_survive_a_save_and_load(tmp_path: Path) -> None:
    results = run_with({"shardline": {"put.rate": Measurement([1.0, 2.0], "ops/s", "note"),
                                      "stream.drain.rate": Missing("not available yet")}})
    results.profiles = {"shardline": ["line"]}
    save(results, tmp_path / "run.json")
    assert load(tmp_path / "run.json") == results


def test_measured_keeps_only_repeats_with_answers_and_says_so() -> None:
    answered = LoadResult(completed=10, elapsed=2.0)
    silent = LoadResult(completed=0, elapsed=3.0)
    figure = measured([answered, silent, answered], lambda r: r.rate, "ops/s")
    assert isinstance(figure, Measurement)
    assert figure.values == [5.0, 5.0]
    assert figure.note == "1 of 3 repeats got no answer within the time cap"
    nothing = measured([silent], lambda r: r.rate, "ops/s")
    assert nothing == Missing("no answer within 3s of measuring: slower than the run's time cap")
    failing = LoadResult(failed=4, first_failure="HTTP 400 ValidationException: bad")
    assert measured([failing], lambda r: r.rate, "ops/s") == Missing(
        "every request failed: HTTP 400 ValidationException: bad")


def test_a_busy_machine_is_called_out_and_a_quiet_one_is_not() -> None:
    busy = run_with({})
    busy.machine = {"cores": "2"}
    busy.load_average = {"min": "4.0", "median": "6.5", "max": "9.0"}
    assert busy_machine_note(busy).startswith(
        "The machine was busy with other work during this run (median 1-minute load average 6.5 on 2 cores")
    busy.load_average = {"min": "1.8", "median": "2.1", "max": "2.4"}
    assert busy_machine_note(busy) == ""
    busy.load_average = {}
    assert busy_machine_note(busy) == ""


def test_notes_shared_by_several_figures_of_a_peer_are_listed_once() -> None:
    note = "90 writes over 3 repeats"
    results = run_with({"shardline": {"stream.visible.p50": Measurement([1.0], "ms", note),
                                      "stream.visible.p99": Measurement([2.0], "ms", note)}})
    lines = results_table(results, "c")
    assert lines.count(f"- shardline (write-to-readable through GetRecords, p50 and write-to-readable through "
                       f"GetRecords, p99): {note}") == 1
    results.peers["shardline"]["stream.visible_ack.p50"] = Measurement([0.5], "ms", note)
    assert results_table(results, "c").count(f"- shardline (3 figures): {note}") == 1
