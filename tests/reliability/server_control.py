"""A `shardline serve` process the reliability harnesses own: output kept in a file (to search it for
secrets), SIGKILL and restart on the same data directory, and its resident memory."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

READY_LINE = re.compile(r"shardline listening on (http://\S+)")
START_TIMEOUT_SECONDS = 60.0


@dataclass
class RunningServer:
    endpoint: str
    process: subprocess.Popen[bytes]
    data_dir: Path
    log_path: Path

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def rss_kib(self) -> int:
        """VmRSS of the server process, from /proc."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        assert match, status
        return int(match.group(1))

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a crash or an OOM kill."""
        if self.alive():
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> int:
        self.process.terminate()
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


def launch(
    data_dir: Path, *extra_args: str, log_path: Path | None = None, env: Mapping[str, str] | None = None
) -> RunningServer:
    """Starts `python -m shardline serve --port 0` on data_dir and waits for its ready line; `env` adds to the
    environment (the server's trigger workers inherit it)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    log = log_path or data_dir.parent / f"{data_dir.name}-server.log"
    command = [sys.executable, "-m", "shardline", "serve", "--port", "0", "--data-dir", str(data_dir), *extra_args]
    with log.open("ab") as sink:
        start = log.stat().st_size
        process = subprocess.Popen(
            command, stdout=sink, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        )
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        text = log.read_bytes()[start:].decode("utf-8", "replace")
        match = READY_LINE.search(text)
        if match:
            return RunningServer(match.group(1), process, data_dir, log)
        if process.poll() is not None:
            raise RuntimeError(f"shardline serve exited with {process.returncode}:\n{text}")
        time.sleep(0.02)
    process.kill()
    raise RuntimeError("shardline serve did not become ready:\n" + log.read_text(errors="replace"))


def client(
    endpoint: str, service: str = "dynamodb", key: str = "testing", secret: str = "testing", **config: Any
) -> Any:
    settings = {"retries": {"max_attempts": 1}, "connect_timeout": 5, "read_timeout": 30, **config}
    return boto3.client(
        service, endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=key,
        aws_secret_access_key=secret, config=Config(**settings),
    )
