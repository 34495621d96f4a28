"""(c) write-to-readable: each write is timed from sending it and from its acknowledgement, against a real server."""

from __future__ import annotations

import asyncio

from bench.harness.results import Measurement
from bench.harness.stream_workloads import VISIBILITY_KEYS, Visibility, visibility_figures, visible_latencies
from bench.harness.wire import Api, Endpoint
from bench.harness.workloads import create_table


def test_every_write_is_timed_from_send_and_from_acknowledgement(endpoint: Endpoint) -> None:
    async def scenario() -> tuple[list[Visibility], int]:
        described = await create_table(Api(endpoint), "bench-visible", sort_key=False, stream=True)
        return await visible_latencies(endpoint, "bench-visible", described["LatestStreamArn"], 25, 0)

    latencies, lost = asyncio.run(scenario())
    assert lost == 0
    assert len(latencies) == 25
    for one in latencies:
        assert 0.0 <= one.from_ack <= one.from_send
    # the write's own round trip is in the send figure only
    assert sum(one.from_send - one.from_ack for one in latencies) > 0.0


def test_figures_take_each_repeats_percentiles_for_both_starting_points() -> None:
    first = [Visibility(float(n), float(n) / 2) for n in range(1, 101)]
    second = [Visibility(float(n) * 2, float(n)) for n in range(1, 101)]
    figures = visibility_figures([(first, 0), (second, 1)])
    assert sorted(figures) == sorted(VISIBILITY_KEYS)
    send_p99, ack_p50 = figures["stream.visible.p99"], figures["stream.visible_ack.p50"]
    assert isinstance(send_p99, Measurement) and isinstance(ack_p50, Measurement)
    assert send_p99.values == [99.0, 198.0]  # nearest rank: an observed value
    assert ack_p50.values == [25.0, 50.0]
    assert send_p99.note == "200 writes over 2 repeats, 1 not readable within 5 s"
