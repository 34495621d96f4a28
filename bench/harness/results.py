"""What a benchmark run produces: per peer, per metric, either the measured values of each repeat or why not."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.harness.stats import Spread, spread


@dataclass
class Measurement:
    values: list[float]
    unit: str
    note: str = ""

    @property
    def spread(self) -> Spread:
        return spread(self.values)


@dataclass
class Missing:
    """A figure that could not be measured, with the reason shown in the report."""

    reason: str


Figure = Measurement | Missing


POSTGRES_PROCESSES = (1, 2)


@dataclass(frozen=True)
class Metric:
    key: str
    section: str
    label: str
    unit: str
    higher_is_better: bool


def _sized(size: int) -> str:
    return f"{size // 1_000_000}M" if size >= 1_000_000 else f"{size // 1000}k"


def metric_catalog(table_sizes: tuple[int, ...]) -> list[Metric]:
    """Every metric in report order; the table sizes of the run add the GetItem/Query rows."""
    metrics = [
        Metric("put.rate", "a", "PutItem/s, stream off", "ops/s", True),
        Metric("put.p50", "a", "PutItem p50, stream off", "ms", False),
        Metric("put.p99", "a", "PutItem p99, stream off", "ms", False),
        Metric("put_stream.rate", "a", "PutItem/s, stream on", "ops/s", True),
        Metric("put_stream.p50", "a", "PutItem p50, stream on", "ms", False),
        Metric("put_stream.p99", "a", "PutItem p99, stream on", "ms", False),
        Metric("boto3.put.rate", "a", "single boto3 client, PutItem calls/s", "calls/s", True),
    ]
    for size in table_sizes:
        tag = _sized(size)
        metrics += [
            Metric(f"get.rate.{tag}", "b", f"GetItem/s at {tag} items", "ops/s", True),
            Metric(f"get.p50.{tag}", "b", f"GetItem p50 at {tag} items", "ms", False),
            Metric(f"query.rate.{tag}", "b", f"Query/s at {tag} items (10 items per answer)", "ops/s", True),
            Metric(f"query.p50.{tag}", "b", f"Query p50 at {tag} items", "ms", False),
        ]
    metrics += [
        Metric("load.rate", "b", "table load rate (BatchWriteItem if served, else PutItem)", "items/s", True),
        Metric("stream.visible.p50", "c", "write-to-readable through GetRecords, p50", "ms", False),
        Metric("stream.visible.p99", "c", "write-to-readable through GetRecords, p99", "ms", False),
        Metric("stream.visible_ack.p50", "c", "acknowledged-to-readable through GetRecords, p50", "ms", False),
        Metric("stream.visible_ack.p99", "c", "acknowledged-to-readable through GetRecords, p99", "ms", False),
        Metric("stream.drain.rate", "d", "GetRecords drain of a backlog", "records/s", True),
        Metric("trigger.p50", "e", "trigger commit-to-handler latency, p50", "ms", False),
        Metric("trigger.p99", "e", "trigger commit-to-handler latency, p99", "ms", False),
        Metric("trigger.rate", "e", "no-op handler throughput, one shard, BatchSize 100", "records/s", True),
        Metric("consumer.rate.1", "f", "consumer library, no-op processor, 1 worker", "records/s", True),
        Metric("consumer.rate.3", "f", "consumer library, no-op processor, 3 workers", "records/s", True),
        Metric("startup.seconds", "g", "startup to first answer", "s", False),
        Metric("memory.idle", "g", "idle memory (RSS)", "MB", False),
        Metric("memory.100k", "g", "memory (RSS) with 100k items", "MB", False),
    ]
    for processes in POSTGRES_PROCESSES:
        metrics += [
            Metric(f"pg.put_stream.rate.{processes}", "h", f"PostgreSQL, {processes} server process"
                   f"{'es' if processes > 1 else ''}: PutItem/s, stream on", "ops/s", True),
            Metric(f"pg.put_stream.p99.{processes}", "h", f"PostgreSQL, {processes} server process"
                   f"{'es' if processes > 1 else ''}: PutItem p99, stream on", "ms", False),
            Metric(f"pg.get.rate.{processes}", "h", f"PostgreSQL, {processes} server process"
                   f"{'es' if processes > 1 else ''}: GetItem/s", "ops/s", True),
        ]
    return metrics


def size_tag(size: int) -> str:
    return _sized(size)


@dataclass
class RunResults:
    command: str
    mode: str
    started: str
    machine: dict[str, str]
    cores: str
    table_sizes: tuple[int, ...]
    installs: dict[str, dict[str, str]] = field(default_factory=dict)
    peers: dict[str, dict[str, Figure]] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)
    load_average: dict[str, str] = field(default_factory=dict)
    harness: dict[str, Figure] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    profiles: dict[str, list[str]] = field(default_factory=dict)
    duration_seconds: float = 0.0


def _figure_to_json(figure: Figure) -> dict[str, Any]:
    return {"kind": "measurement" if isinstance(figure, Measurement) else "missing", **asdict(figure)}


def _figure_from_json(data: dict[str, Any]) -> Figure:
    if data["kind"] == "missing":
        return Missing(data["reason"])
    return Measurement([float(v) for v in data["values"]], data["unit"], data.get("note", ""))


def save(results: RunResults, path: Path) -> None:
    document = asdict(results)
    document["peers"] = {
        peer: {key: _figure_to_json(fig) for key, fig in figures.items()} for peer, figures in results.peers.items()
    }
    document["harness"] = {key: _figure_to_json(fig) for key, fig in results.harness.items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=1))


def load(path: Path) -> RunResults:
    document = json.loads(path.read_text())
    document["table_sizes"] = tuple(document["table_sizes"])
    document["peers"] = {
        peer: {key: _figure_from_json(fig) for key, fig in figures.items()}
        for peer, figures in document["peers"].items()
    }
    document["harness"] = {key: _figure_from_json(fig) for key, fig in document["harness"].items()}
    return RunResults(**document)
