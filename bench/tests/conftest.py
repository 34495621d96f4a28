"""What the bench tests share: a real shardline server (in memory) on a free port."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator

import pytest

from bench.harness.wire import Endpoint

LISTENING = re.compile(r"http://([\d.]+):(\d+)")


@pytest.fixture()
def endpoint() -> Iterator[Endpoint]:
    server = subprocess.Popen([sys.executable, "-m", "shardline", "serve", "--port", "0", "--in-memory"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        found = LISTENING.search(server.stdout.readline())
        assert found, "the server printed no listening line"
        yield Endpoint(found.group(1), int(found.group(2)))
    finally:
        server.terminate()
        server.wait(10)
