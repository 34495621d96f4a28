"""Writes docs/benchmarks.md from a run's results: machine, peers, every figure as median (min–max), ratios to
shardline, the issue's targets, the chart and the profile."""

from __future__ import annotations

import math
from dataclasses import dataclass

from bench.harness.results import Figure, Measurement, Metric, Missing, RunResults, metric_catalog, size_tag

REFERENCE = "shardline"

SECTIONS = {
    "a": "(a) PutItem throughput and latency",
    "b": "(b) GetItem and Query as the table grows",
    "c": "(c) Write-to-readable latency through GetRecords",
    "d": "(d) GetRecords drain rate over a backlog",
    "e": "(e) Trigger commit-to-handler latency and throughput",
    "f": "(f) Consumer library records/s with 1 and 3 workers",
    "g": "(g) Startup time and memory",
    "h": "(h) PostgreSQL backend with 1 and 2 server processes",
}
# Workloads of issue #8 that no run measures yet (title -> why); shown under "Not measured yet" when any.
NOT_BUILT: dict[str, str] = {}


def number(value: float) -> str:
    if math.isnan(value):
        return "–"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def median_of(figure: Figure | None) -> float | None:
    if isinstance(figure, Measurement) and figure.values:
        value = figure.spread.median
        return None if math.isnan(value) else value
    return None


def advantage(metric: Metric, ours: Figure | None, theirs: Figure | None) -> float | None:
    """How many times better shardline is than the peer on this metric (>1 means shardline is ahead)."""
    mine, other = median_of(ours), median_of(theirs)
    if mine is None or other is None or mine <= 0 or other <= 0:
        return None
    return mine / other if metric.higher_is_better else other / mine


def cell(figure: Figure | None) -> str:
    if figure is None:
        return "–"
    if isinstance(figure, Missing):
        return f"*{figure.reason}*"
    spread = figure.spread
    text = f"{number(spread.median)} ({number(spread.low)}–{number(spread.high)})"
    return text if len(figure.values) > 1 else number(spread.median)


def results_table(results: RunResults, section: str) -> list[str]:
    names = list(results.peers)
    metrics = [m for m in metric_catalog(results.table_sizes) if m.section == section]
    lines = ["| metric | unit | " + " | ".join(names) + " |", "| --- | --- |" + " ---: |" * len(names)]
    notes: dict[tuple[str, str], list[str]] = {}
    for metric in metrics:
        row = [metric.label, metric.unit]
        ours = results.peers.get(REFERENCE, {}).get(metric.key)
        for name in names:
            figure = results.peers[name].get(metric.key)
            text = cell(figure)
            ratio = advantage(metric, ours, figure) if name != REFERENCE else None
            if ratio is not None:
                text += f" · **×{number(ratio)}**"
            if isinstance(figure, Measurement) and figure.note:
                notes.setdefault((name, figure.note), []).append(metric.label)
            row.append(text)
        lines.append("| " + " | ".join(row) + " |")
    if notes:
        lines.append("")
        for (name, note), labels in notes.items():
            where = " and ".join(labels) if len(labels) <= 2 else f"{len(labels)} figures"
            lines.append(f"- {name} ({where}): {note}")
    return lines


@dataclass(frozen=True)
class Target:
    text: str
    value: float | None
    threshold: float
    at_most: bool = False
    reason: str = ""

    def verdict(self) -> str:
        if self.value is None:
            return f"not measured ({self.reason})" if self.reason else "not measured"
        met = self.value <= self.threshold if self.at_most else self.value >= self.threshold
        return "met" if met else "**missed**"


def _figure(results: RunResults, peer: str, key: str) -> Figure | None:
    return results.peers.get(peer, {}).get(key)


def _why(results: RunResults, *pairs: tuple[str, str]) -> str:
    for peer, key in pairs:
        figure = _figure(results, peer, key)
        if figure is None:
            return f"{peer} not in this run"
        if isinstance(figure, Missing):
            return f"{peer}: {figure.reason}"
    return ""


def _ratio(results: RunResults, mine: str, peer: str, theirs: str) -> tuple[float | None, str]:
    ours, other = median_of(_figure(results, REFERENCE, mine)), median_of(_figure(results, peer, theirs))
    if ours is None or other is None or other == 0:
        return None, _why(results, (REFERENCE, mine), (peer, theirs))
    return ours / other, ""


def targets(results: RunResults) -> list[Target]:
    first, last = size_tag(results.table_sizes[0]), size_tag(results.table_sizes[-1])
    found: list[Target] = []
    for peer, minimum in (("moto", 20.0), ("ministack", 2.0)):
        value, why = _ratio(results, "put_stream.rate", peer, "put_stream.rate")
        found.append(Target(f"PutItem, stream on, durable: ≥ {minimum:.0f}× {peer}", value, minimum, reason=why))
    value, why = _ratio(results, "put_stream.rate", "dynalite", "put.rate")
    found.append(Target("PutItem, stream on, durable: ≥ dynalite's in-memory PutItem without stream", value, 1.0,
                        reason=why))
    value, why = _ratio(results, f"get.rate.{first}", "dynalite", f"get.rate.{first}")
    found.append(Target(f"GetItem ({first} items) ≥ dynalite's", value, 1.0, reason=why))
    ours, sink = median_of(_figure(results, REFERENCE, "boto3.put.rate")), median_of(
        results.harness.get("sink.boto3.rate"))
    found.append(Target("single boto3 client: ≥ 85% of its rate against an instant sink",
                        ours / sink if ours and sink else None, 0.85,
                        reason=_why(results, (REFERENCE, "boto3.put.rate"))))
    value, why = _ratio(results, "stream.drain.rate", "ministack", "stream.drain.rate")
    found.append(Target("GetRecords drain ≥ 2× MiniStack", value, 2.0, reason=why))
    for key, text in (("stream.visible_ack.p99", "acknowledged write to readable p99 ≤ MiniStack's"),
                      ("stream.visible.p99", "write-to-readable p99 from sending the write ≤ MiniStack's")):
        value, why = _ratio(results, key, "ministack", key)
        found.append(Target(f"{text} (ratio ours/theirs ≤ 1)", value, 1.0, at_most=True, reason=why))
    found.append(Target("acknowledged write to readable p99 under 5 ms (ms)",
                        median_of(_figure(results, REFERENCE, "stream.visible_ack.p99")), 5.0, at_most=True,
                        reason=_why(results, (REFERENCE, "stream.visible_ack.p99"))))
    value, why = _ratio(results, "put_stream.rate", REFERENCE, "put.rate")
    found.append(Target("PutItem/s with a stream ≥ 80% of the same without (ratio)", value, 0.8, reason=why))
    for key, text, threshold, at_most in (("trigger.p50", "trigger p50 under 10 ms (ms)", 10.0, True),
                                          ("trigger.p99", "trigger p99 under 50 ms (ms)", 50.0, True),
                                          ("trigger.rate", "no-op handler ≥ 5,000 records/s", 5000.0, False)):
        found.append(Target(text, median_of(_figure(results, REFERENCE, key)), threshold, at_most=at_most,
                            reason=_why(results, (REFERENCE, key))))
    memory = median_of(_figure(results, REFERENCE, "memory.100k"))
    found.append(Target("memory at 100k items under 100 MB (MB)", memory, 100.0, at_most=True,
                        reason=_why(results, (REFERENCE, "memory.100k"))))
    big, small = (median_of(_figure(results, REFERENCE, f"query.p50.{tag}")) for tag in (last, first))
    found.append(Target(f"Query p50 at {last} items within 1.5× of {first} (ratio)",
                        big / small if big and small else None, 1.5, at_most=True,
                        reason=_why(results, (REFERENCE, f"query.p50.{last}"), (REFERENCE, f"query.p50.{first}"))))
    return found


def chart_ratios(results: RunResults) -> dict[str, dict[str, float]]:
    """The main ratios for the chart: metric label -> peer -> how many times better shardline is."""
    first = size_tag(results.table_sizes[0])
    keys = ["put.rate", "put_stream.rate", f"get.rate.{first}", f"query.rate.{first}", "stream.drain.rate",
            "stream.visible_ack.p99", "stream.visible.p99", "startup.seconds", "memory.100k"]
    catalog = {m.key: m for m in metric_catalog(results.table_sizes)}
    chart: dict[str, dict[str, float]] = {}
    for key in keys:
        metric = catalog[key]
        ours = _figure(results, REFERENCE, key)
        # shardline relaxed is a setting of shardline, not a peer: it stays in the tables but not in the chart.
        row = {peer: ratio for peer in results.peers if peer != REFERENCE and not peer.startswith(REFERENCE)
               if (ratio := advantage(metric, ours, results.peers[peer].get(key))) is not None}
        if row:
            chart[metric.label] = row
    return chart


def busy_machine_note(results: RunResults) -> str:
    """Says so when other work shared the cores: absolute figures then drop, interleaved ratios hold better."""
    median = float(results.load_average.get("median", "nan"))
    if not median > 3.0:
        return ""
    return (f"The machine was busy with other work during this run (median 1-minute load average {median:.1f} on "
            f"{results.machine.get('cores', '?')} cores, of which about 2 is the benchmark itself): absolute figures "
            "are lower and noisier than on a quiet machine; the ratios, measured interleaved, are the meaningful "
            "part.")


def _load_text(results: RunResults) -> str:
    if not results.load_average:
        return "–"
    spread = results.load_average
    return (f"median {spread['median']} (min {spread['min']}, max {spread['max']}); the load generator and the "
            "server account for about 2, anything above is other work sharing the two cores")


def render(results: RunResults, chart_name: str | None) -> str:
    lines = [
        "# Benchmarks", "",
        f"Generated by `{results.command}` ({results.mode} plan) on {results.started}; the run took "
        f"{results.duration_seconds / 60:.1f} minutes. Every figure was measured in this one run on this machine; "
        "absolute numbers drift between machines, the ratios are the claim.", "",
        "Each figure is the median with min–max over the repeats. **×N** after a peer's figure is how many times "
        "better shardline (durable, first column) is on that metric: higher rates, lower latencies and memory; "
        "below 1 means the peer is ahead.", "",
        "## Machine", "",
        "| | |", "| --- | --- |",
        *[f"| {key} | {value} |" for key, value in results.machine.items()],
        f"| core split | {results.cores} |",
        f"| 1-minute load average during the run | {_load_text(results)} |", "",
        "All peers run at once (idle while another is measured) and every repeat visits them in a rotated "
        "order, so changes in the machine's load fall on all peers alike.", "",
        "## Peers", "",
        "| peer | version | settings |", "| --- | --- | --- |",
    ]
    for name in results.peers:
        family = name.split()[0]
        install = results.installs.get(family, {})
        version = install.get("version") or f"*not installed: {install.get('error', '?')}*"
        lines.append(f"| {name} | {version} | {results.settings.get(name, '')} |")
    lines += ["", "## Harness ceilings", "",
              "The load generator (one asyncio process on uvloop, pre-encoded requests, many keep-alive connections) "
              "and a single boto3 client, both against an instant sink that answers `{}` at once:", "",
              "| | rate |", "| --- | ---: |"]
    for key, label in (("sink.load.rate", "load generator → sink, requests/s"),
                       ("sink.boto3.rate", "single boto3 client → sink, PutItem calls/s")):
        lines.append(f"| {label} | {cell(results.harness.get(key))} |")
    for section, title in SECTIONS.items():
        lines += ["", f"## {title}", "", *results_table(results, section)]
    if NOT_BUILT:
        lines += ["", "## Not measured yet", ""]
        lines += [f"- {title}: *{reason}*" for title, reason in NOT_BUILT.items()]
    if chart_name:
        lines += ["", "## Ratios at a glance", "", f"![shardline's advantage over each peer]({chart_name})"]
    lines += ["", "## Targets (issue #8)", "", "| target | measured | verdict |", "| --- | ---: | --- |"]
    for target in targets(results):
        shown = "–" if target.value is None else number(target.value)
        lines.append(f"| {target.text} | {shown} | {target.verdict()} |")
    lines += ["", "## How each figure is measured", "",
              "- Throughput: closed loop, every connection keeps one request in flight; after a short warm-up, "
              "answers are counted for the plan's run time and until each connection had about three (so slow peers "
              "still give samples), within a time cap; PutItem writes new 3-attribute items (~130 bytes), GetItem "
              "reads random existing keys. After each measured run the harness waits (at most 120 s) until that peer "
              "stops using the server core, so a slow peer's leftover requests never run during the next peer's "
              "measurement.",
              "- (b): one table with `pk` (10 items per partition) and numeric `sk`; it is loaded step by step to "
              "each size and GetItem/Query are measured at each step; a step whose estimated load time exceeds the "
              "plan's budget is skipped for that peer, and a load stops once the peer holds more than 3 GB; "
              "before each read run one request is timed alone, and a peer for which the plan's connections would "
              "leave more than 30 s of requests in flight at the time cap is measured over one connection (said in "
              "the notes).",
              "- (c): one writer puts one item at a time; a consumer polls GetRecords back to back on its own "
              "connection; each write is timed to receiving the GetRecords answer holding its record, once from "
              "sending PutItem (write-to-readable, which includes the write's own round trip) and once from the "
              "PutItem answer (acknowledged-to-readable: issue #4's \"time from an acknowledged write to its record "
              "being readable\"; a record read before its answer arrived counts 0); each repeat is a batch of "
              "writes, and p50/p99 are per repeat.",
              "- (d): the stream of the stream-on PutItem table (topped up to the plan's backlog), read from "
              "TRIM_HORIZON with Limit=1000 until an empty answer, repeated.",
              "- (e): `bench/trigger_latency.py` per repeat: a fresh durable `shardline serve --triggers` (one "
              "stream shard) on the server core; latency runs from just before PutItem leaves a boto3 client "
              "(one write at a time, 10 ms apart) to the handler's first line, so it includes the request's trip "
              "and the commit; throughput is a backlog through a no-op handler at BatchSize 100, timed from the "
              "first batch's end. Peers have no triggers: LocalStack and MiniStack poll a stream for a Lambda "
              "event source mapping about once a second, so a write reaches its handler after up to ~1 s.",
              "- (f): `bench/consumer_throughput.py` against the shardline row's server: a fresh table's stream "
              "(4 shards) is filled, then 1 or 3 worker processes of `shardline.consumer` with a no-op processor "
              "read it from TRIM_HORIZON, checkpointing each batch; timed from the first record processed to the "
              "last.",
              "- (h): a throwaway PostgreSQL 15 cluster (fsync=off, as the tests start one) pinned to the server "
              "core with 1 or 2 `shardline serve --postgres` processes on one fresh database; the load generator's "
              "connections are split evenly over the processes; PutItem writes to a table with a stream, GetItem "
              "reads random keys of a table of 2k (quick) or 10k (full) items.",
              "- (g): startup is from process spawn to the first successful ListTables; memory is the RSS of the "
              "server process and its children."]
    lines += ["", "## Running it", "",
              "- `make bench-quick`: 3 repeats of short runs (2 for (e), (f) and (h), which start processes per "
              "repeat), tables of 10k and 100k items (a peer's 100k step is skipped when loading it would take "
              "longer than the quick budget; shardline's is always loaded, since "
              "its memory and Query targets need it).",
              "- `make bench`: 5 repeats of 3 s, 10k, 100k and 1M items, large stream backlogs; takes much longer.",
              "- `.venv/bin/python -m bench.harness --quick --peers shardline dynalite`: only some rows; "
              "`--no-profile` skips py-spy; `--out`/`--chart` write elsewhere.",
              "- Peers are installed on first use into `.bench/` (moto and MiniStack in their own venvs from PyPI, "
              "dynalite with npm, matplotlib and py-spy in a tools venv); `.bench/` ignores itself in git. The raw "
              "figures of the last run are in `.bench/results/<plan>.json`."]
    notes = [note for note in (busy_machine_note(results), *results.notes) if note]
    if notes:
        lines += ["", "## Notes", "", *[f"- {note}" for note in notes]]
    for peer, profile in results.profiles.items():
        lines += ["", f"## Profile: {peer}", "", *profile]
    return "\n".join(lines).rstrip() + "\n"
