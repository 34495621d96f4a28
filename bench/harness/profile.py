"""Where a server's time goes under load: py-spy samples the server while the load generator drives it, and the
raw stacks are summarised per thread, per code area (self time) and per function (inclusive time)."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench.harness.load import run_for
from bench.harness.wire import Endpoint

_ENTRY = ("shardline/__main__.py", "shardline/cli/", "run (shardline/server.py)")
# uvloop runs in C under asyncio.Runner.run: samples whose innermost Python frame is that are the loop's own work.
_LOOP_FRAME = "Runner.run (asyncio/runners.py)"
_LOOP_LABEL = "event loop itself: uvloop C code, socket reads and writes"
_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>.*?)(?::(?P<line>\d+))?\)$")


@dataclass
class StackSummary:
    samples: int = 0
    threads: Counter[str] = field(default_factory=Counter)
    areas: Counter[str] = field(default_factory=Counter)
    inclusive: Counter[str] = field(default_factory=Counter)
    own: Counter[str] = field(default_factory=Counter)


def short_file(path: str) -> str:
    for marker in ("/src/", "/site-packages/", "/lib/python3.11/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


def area_of(path: str) -> str:
    """The code area a frame belongs to: a shardline subpackage, a third-party package or the stdlib module."""
    name = short_file(path)
    parts = name.split("/")
    if parts[0] == "shardline" and len(parts) > 1:
        return "shardline." + parts[1].removesuffix(".py")
    return parts[0].removesuffix(".py")


def summarise(raw: str) -> StackSummary:
    """Parses py-spy's raw (collapsed) output, `thread (tid): name;frame;frame COUNT` per line."""
    summary = StackSummary()
    for line in raw.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        thread = frames[0].split(": ", 1)[-1] if frames[0].startswith("thread") else "?"
        calls = frames[1:] if frames[0].startswith("thread") else frames
        summary.samples += count
        summary.threads[thread] += count
        labels = []
        for frame in calls:
            match = _FRAME.match(frame)
            if match:
                labels.append((f"{match['function']} ({short_file(match['file'])})", area_of(match["file"])))
        if not labels:
            continue
        for label in {label for label, _ in labels}:
            summary.inclusive[label] += count
        innermost, area = labels[-1]
        if innermost == _LOOP_FRAME:
            innermost = area = _LOOP_LABEL
        summary.own[innermost] += count
        summary.areas[area] += count
    return summary


def render(summary: StackSummary, title: str, top: int = 12) -> list[str]:
    if not summary.samples:
        return [f"**{title}**: py-spy took no samples."]
    total = summary.samples

    def share(count: int) -> str:
        return f"{100 * count / total:.0f}%"

    # The process entry path (runpy, click, server.run) is in every stack and tells nothing.
    interesting = [(label, count) for label, count in summary.inclusive.most_common()
                   if "(shardline/" in label and not any(entry in label for entry in _ENTRY)]
    lines = [f"**{title}** ({total} samples, busy threads only)", "",
             "Threads: " + ", ".join(f"{name} {share(count)}" for name, count in summary.threads.most_common()), "",
             "Self time by code area: "
             + ", ".join(f"{area} {share(count)}" for area, count in summary.areas.most_common(10)), "",
             "| inclusive | function | self |", "| ---: | --- | ---: |"]
    for label, count in interesting[:top]:
        lines.append(f"| {share(count)} | `{label}` | {share(summary.own.get(label, 0))} |")
    lines += ["", "Top self time: " + ", ".join(
        f"`{label}` {share(count)}" for label, count in summary.own.most_common(8))]
    return lines


async def profile_under_load(
    py_spy: Path, pid: int, endpoint: Endpoint, requests: list[bytes], seconds: float, connections: int,
    output: Path,
) -> tuple[StackSummary, float]:
    """Samples `pid` with py-spy for `seconds` while replaying `requests`; returns the summary and the load rate."""
    recorder = await asyncio.create_subprocess_exec(
        str(py_spy), "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", "250",
        "--format", "raw", "--threads", "--full-filenames", "--nonblocking", "-o", str(output),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )
    await asyncio.sleep(0.3)
    load = await run_for(endpoint, requests, connections=connections, seconds=seconds + 0.5, warmup=0.0)
    _, errors = await recorder.communicate()
    if recorder.returncode != 0 or not output.exists():
        raise RuntimeError(f"py-spy exited {recorder.returncode}: {errors.decode(errors='replace').strip()}")
    return summarise(output.read_text()), load.rate
