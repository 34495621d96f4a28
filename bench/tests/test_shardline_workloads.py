"""The shardline-only workloads (e), (f), (h): their figures, the peers' cells, merged load and the targets."""

from __future__ import annotations

from array import array

from bench.harness.load import LoadResult
from bench.harness.report import render, results_table, targets
from bench.harness.results import Measurement, Missing, RunResults, metric_catalog
from bench.harness.shardline_workloads import merge, peer_reasons, trigger_figures


def run_with(peers: dict[str, dict[str, Measurement | Missing]]) -> RunResults:
    results = RunResults("make bench-quick", "quick", "2026-01-01 00:00 UTC", {"cpu": "test"}, "core split",
                         (10_000, 100_000))
    results.peers = dict(peers)
    return results


def test_trigger_figures_take_each_repeat_as_one_value() -> None:
    runs = [{"latency_p50_ms": 4.0, "latency_p99_ms": 30.0, "records_per_second": 9000.0},
            {"latency_p50_ms": 6.0, "latency_p99_ms": 70.0, "records_per_second": 7000.0},
            {"latency_p50_ms": 5.0, "latency_p99_ms": 40.0, "records_per_second": 8000.0}]
    figures = trigger_figures(runs, 60, 3000)
    p50, p99, rate = figures["trigger.p50"], figures["trigger.p99"], figures["trigger.rate"]
    assert isinstance(p50, Measurement) and isinstance(p99, Measurement) and isinstance(rate, Measurement)
    assert (p50.spread.median, p50.spread.low, p50.spread.high) == (5.0, 4.0, 6.0)
    assert p99.spread.median == 40.0
    assert (rate.spread.median, rate.unit) == (8000.0, "records/s")
    assert "3,000 records" in rate.note


def test_trigger_targets_read_the_medians() -> None:
    results = run_with({"shardline": {
        "trigger.p50": Measurement([4.0, 12.0, 5.0], "ms"),
        "trigger.p99": Measurement([60.0, 55.0, 70.0], "ms"),
        "trigger.rate": Measurement([4000.0, 6000.0, 5500.0], "records/s"),
    }})
    found = {target.text: (target.value, target.verdict()) for target in targets(results)}
    assert found["trigger p50 under 10 ms (ms)"] == (5.0, "met")
    assert found["trigger p99 under 50 ms (ms)"] == (60.0, "**missed**")
    assert found["no-op handler ≥ 5,000 records/s"] == (5500.0, "met")


def test_a_failed_trigger_run_says_why_in_the_target() -> None:
    results = run_with({"shardline": {"trigger.p50": Missing("failed: RuntimeError: shardline serve did not start")}})
    found = {target.text: target.verdict() for target in targets(results)}
    assert found["trigger p50 under 10 ms (ms)"] == (
        "not measured (shardline: failed: RuntimeError: shardline serve did not start)")


def test_peers_get_a_reason_for_every_shardline_only_metric() -> None:
    keys = {m.key for m in metric_catalog((10_000,)) if m.section in ("e", "f", "h")}
    assert len(keys) == 11  # 3 trigger, 2 consumer, 3 per PostgreSQL process count
    for name in ("moto", "ministack", "dynalite", "shardline relaxed"):
        reasons = peer_reasons(name)
        assert set(reasons) == keys
        assert all(isinstance(figure, Missing) for figure in reasons.values())
    assert "1 s" in str(peer_reasons("ministack")["trigger.p50"])
    assert "same code" in str(peer_reasons("shardline relaxed")["consumer.rate.3"])


def test_section_tables_show_shardline_figures_beside_the_peers_reasons() -> None:
    results = run_with({
        "shardline": {"consumer.rate.1": Measurement([12000.0, 10000.0], "records/s"),
                      "consumer.rate.3": Measurement([20000.0], "records/s")},
        "moto": peer_reasons("moto"),
    })
    table = "\n".join(results_table(results, "f"))
    assert "| consumer library, no-op processor, 1 worker | records/s | 11,000 (10,000–12,000) | *n/a:" in table
    assert "| consumer library, no-op processor, 3 workers | records/s | 20,000 | *n/a:" in table
    assert "(f) Consumer library" in render(results, None)


def test_merge_adds_completions_over_the_longest_window() -> None:
    one = LoadResult(100, 1, 1.0, array("q", [1000, 2000]), "first")
    two = LoadResult(300, 0, 2.0, array("q", [3000]), "")
    merged = merge([one, two])
    assert (merged.completed, merged.failed, merged.elapsed) == (400, 1, 2.0)
    assert merged.rate == 200.0
    assert sorted(merged.latencies_us) == [1000, 2000, 3000]
    assert merged.latency_ms(1.0) == 3.0
    assert merged.first_failure == "first"
