"""The asyncio load generator: many keep-alive connections replaying pre-encoded requests, closed loop.

Each connection keeps one request in flight; per-request latency is taken with perf_counter_ns around the send,
so nothing is encoded or decoded inside the timed loop except the HTTP framing.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bench.harness.stats import percentile
from bench.harness.wire import Channel, Endpoint, error_of

# A body check for answers that are 200 yet incomplete (BatchWriteItem's UnprocessedItems).
AnswerCheck = Callable[[bytes], bool]


@dataclass
class LoadResult:
    completed: int = 0
    failed: int = 0
    elapsed: float = 0.0
    latencies_us: array[int] = field(default_factory=lambda: array("q"))
    first_failure: str = ""

    @property
    def rate(self) -> float:
        return self.completed / self.elapsed if self.elapsed > 0 else 0.0

    def latency_ms(self, fraction: float) -> float:
        return percentile(self.latencies_us, fraction) / 1000.0 if self.latencies_us else float("nan")

    def fail(self, reason: str) -> None:
        self.failed += 1
        if not self.first_failure:
            self.first_failure = reason


async def run_for(
    endpoint: Endpoint, requests: Sequence[bytes], *, connections: int, seconds: float, warmup: float = 0.3,
    min_completions: int = 0, cap_seconds: float = 30.0,
) -> LoadResult:
    """Replays `requests` (cycling) over `connections`. After `warmup`, completions are counted for at least
    `seconds` and until `min_completions` answers arrived (so a slow peer still yields enough samples), but never
    past `cap_seconds`. The rate is completions over the time from the window's start to the last completion."""
    channels = [Channel(endpoint) for _ in range(connections)]
    counter = itertools.count()
    result = LoadResult()
    window_start = time.perf_counter_ns() + int(warmup * 1e9)
    window_end = window_start + int(seconds * 1e9)
    hard_end = window_start + int(max(seconds, cap_seconds) * 1e9)
    last_done = [window_start]

    def finished(now: int) -> bool:
        return now >= hard_end or (now >= window_end and result.completed + result.failed >= min_completions)

    async def drive(channel: Channel) -> None:
        total = len(requests)
        while not finished(time.perf_counter_ns()):
            raw = requests[next(counter) % total]
            sent = time.perf_counter_ns()
            try:
                status, body = await channel.send(raw)
            except OSError as error:
                result.fail(f"{type(error).__name__}: {error}")
                await asyncio.sleep(0.01)
                continue
            done = time.perf_counter_ns()
            if done < window_start:
                continue
            if status == 200:
                result.completed += 1
                result.latencies_us.append((done - sent) // 1000)
            else:
                result.fail(str(error_of(status, body)))
            last_done[0] = max(last_done[0], done)

    try:
        # Answers still outstanding a second past the cap are abandoned (their connections are closed).
        limit = (hard_end - time.perf_counter_ns()) / 1e9 + 1.0
        await asyncio.wait_for(asyncio.gather(*(drive(channel) for channel in channels)), timeout=limit)
    except TimeoutError:
        pass
    finally:
        for channel in channels:
            channel.close()
    end = last_done[0] if result.completed else time.perf_counter_ns()
    result.elapsed = (end - window_start) / 1e9
    return result


async def run_each(
    endpoint: Endpoint, requests: Sequence[bytes], *, connections: int, check: AnswerCheck | None = None
) -> LoadResult:
    """Sends every request exactly once over `connections`; used to load tables and stream backlogs."""
    channels = [Channel(endpoint) for _ in range(connections)]
    iterator = iter(requests)
    result = LoadResult()
    started = time.perf_counter_ns()

    async def drive(channel: Channel) -> None:
        for raw in iterator:
            try:
                status, body = await channel.send(raw)
            except OSError as error:
                result.fail(f"{type(error).__name__}: {error}")
                continue
            if status != 200:
                result.fail(str(error_of(status, body)))
            elif check is not None and not check(body):
                result.fail(f"incomplete answer: {body[:200].decode(errors='replace')}")
            else:
                result.completed += 1

    try:
        await asyncio.gather(*(drive(channel) for channel in channels))
    finally:
        for channel in channels:
            channel.close()
    result.elapsed = (time.perf_counter_ns() - started) / 1e9
    return result
