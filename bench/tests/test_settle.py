"""Between measured runs the harness waits for the peer just measured to stop using the server core."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from bench.harness.peers import SHARDLINE, RunningPeer
from bench.harness.wire import Endpoint

# Burns CPU for about a second (leftover work after a capped run), then sits idle.
BUSY_THEN_IDLE = "import time\nend = time.process_time() + 1.0\nwhile time.process_time() < end: pass\ntime.sleep(30)"


@contextlib.contextmanager
def peer_running(code: str, tmp_path: Path) -> Iterator[RunningPeer]:
    process = subprocess.Popen([sys.executable, "-c", code])
    try:
        yield RunningPeer(SHARDLINE, process, Endpoint("127.0.0.1", 1), 0.0, tmp_path / "log")
    finally:
        process.kill()
        process.wait()


def test_settle_waits_out_the_leftover_work(tmp_path: Path) -> None:
    with peer_running(BUSY_THEN_IDLE, tmp_path) as peer:
        started = time.perf_counter()
        waited = asyncio.run(peer.settle())
        assert 0.6 <= waited <= 10.0
        assert time.perf_counter() - started >= 0.6
        assert peer.process.poll() is None


def test_an_idle_peer_settles_in_one_window(tmp_path: Path) -> None:
    with peer_running("import time\ntime.sleep(30)", tmp_path) as peer:
        time.sleep(0.5)  # past the interpreter's start-up
        assert asyncio.run(peer.settle(window=0.2)) == 0.2


def test_settle_gives_up_at_its_limit(tmp_path: Path) -> None:
    with peer_running("while True: pass", tmp_path) as peer:
        waited = asyncio.run(peer.settle(window=0.2, limit=1.0))
        assert 1.0 <= waited < 1.3
