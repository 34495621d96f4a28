"""Facts about this machine for the report, CPU pinning of load generator and servers, process memory."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class CoreSplit:
    """Which cores the load generator and the server under test may use, and how it is described in the report."""

    load: frozenset[int]
    server: frozenset[int]
    description: str


def plan_cores() -> CoreSplit:
    available = sorted(os.sched_getaffinity(0))
    if len(available) >= 2:
        load, server = frozenset({available[0]}), frozenset(available[1:])
        text = (
            f"load generator (and boto3 client) pinned to core {available[0]}, server under test (every thread) "
            f"pinned to core{'s' if len(server) > 1 else ''} {', '.join(map(str, sorted(server)))} "
            "with os.sched_setaffinity; each peer in turn gets the same server core"
        )
        return CoreSplit(load, server, text)
    only = frozenset(available)
    return CoreSplit(only, only, "one core only: load generator and server share it (no pinning possible)")


def pin_self(cores: frozenset[int]) -> None:
    os.sched_setaffinity(0, cores)


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def cpu_model() -> str:
    for line in _read("/proc/cpuinfo").splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def memory_total_gib() -> float:
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024 / 1024
    return 0.0


def describe_machine() -> dict[str, str]:
    return {
        "cpu": cpu_model(),
        "cores": str(os.cpu_count()),
        "memory": f"{memory_total_gib():.1f} GiB",
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        text = _read(f"/proc/{pid}/task/{task.name}/children")
        found.extend(int(child) for child in text.split())
    return found


def rss_bytes(pid: int) -> int:
    """Resident memory of a process and all its descendants (a peer may run its server in a child process)."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        for line in _read(f"/proc/{current}/status").splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
        pending.extend(_children(current))
    return total


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by a process and all its descendants."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        fields = _read(f"/proc/{current}/stat").rsplit(")", 1)[-1].split()
        if len(fields) > 12:
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime and stime, fields 14 and 15 of stat
        pending.extend(_children(current))
    return total


def load_average() -> float:
    """The 1-minute load average: other work on the machine shows up here (our load generator and server add ~2)."""
    text = _read("/proc/loadavg").split()
    return float(text[0]) if text else float("nan")
