"""Installs each peer into its own environment under .bench/ and starts it on loopback, pinned to the server cores.

shardline runs from the project venv; moto's server and MiniStack get their own venvs (PyPI), dynalite is
installed with npm into .bench/node. A peer that cannot be installed is reported with the exact error.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.harness.machine import cpu_seconds, rss_bytes
from bench.harness.wire import Api, ApiError, Endpoint

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / ".bench"
HOST = "127.0.0.1"

# moto's server logs every request through werkzeug at INFO; every peer runs without request logging.
_MOTO_QUIET = (
    "import logging, sys; logging.getLogger('werkzeug').setLevel(logging.ERROR); "
    "from moto.server import main; sys.exit(main())"
)


@dataclass(frozen=True)
class PeerSpec:
    """One row of the report: a server and the settings it runs with."""

    name: str
    family: str
    settings: str
    streams_documented: bool
    extra_args: tuple[str, ...] = ()


SHARDLINE = PeerSpec("shardline", "shardline", "SQLite file, durable (synchronous=FULL, group commit)", True)
SHARDLINE_RELAXED = PeerSpec(
    "shardline relaxed", "shardline", "SQLite file, --relaxed-durability (synchronous=NORMAL)", True,
    ("--relaxed-durability",),
)
DYNALITE = PeerSpec("dynalite", "dynalite", "in memory (LevelDB memdown), createTableMs=0", False)
MINISTACK = PeerSpec("ministack", "ministack", "in memory, LOG_LEVEL=WARNING", True)
MOTO = PeerSpec("moto", "moto", "moto_server, in memory, werkzeug request log off", True)
ALL_PEERS = (SHARDLINE, SHARDLINE_RELAXED, DYNALITE, MINISTACK, MOTO)


@dataclass
class Installation:
    family: str
    version: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


def _run(command: list[str], cwd: Path | None = None) -> str:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-8:]
        raise RuntimeError(f"`{' '.join(command)}` exited {done.returncode}: " + " | ".join(tail))
    return done.stdout.strip()


def _python_env(name: str, requirements: list[str], distribution: str) -> str:
    env = CACHE / name
    python = env / "bin" / "python"
    if not python.exists():
        _run([sys.executable, "-m", "venv", str(env)])
    marker = env / ".bench-installed"
    if not marker.exists():
        _run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *requirements])
        marker.write_text("\n".join(requirements) + "\n")
    return _run([str(python), "-c", f"import importlib.metadata as m; print(m.version({distribution!r}))"])


def _install_dynalite() -> str:
    node_dir = CACHE / "node"
    node_dir.mkdir(parents=True, exist_ok=True)
    package = node_dir / "node_modules" / "dynalite" / "package.json"
    if not package.exists():
        _run(["npm", "install", "--no-audit", "--no-fund", "--silent", "dynalite"], cwd=node_dir)
    version = json.loads(package.read_text())["version"]
    return f"{version} (node {_run(['node', '--version'])})"


def _install_shardline() -> str:
    from shardline import __version__

    try:
        commit = _run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO)
    except (RuntimeError, OSError):
        commit = "unknown"
    return f"{__version__} (commit {commit}, working tree)"


_INSTALLERS: dict[str, Callable[[], str]] = {
    "shardline": _install_shardline,
    "dynalite": _install_dynalite,
    "ministack": lambda: _python_env("ministack", ["ministack"], "ministack"),
    "moto": lambda: _python_env("moto", ["moto[server]"], "moto"),
}


def install(family: str) -> Installation:
    CACHE.mkdir(exist_ok=True)
    # The cache ignores itself, so nothing under .bench/ is ever committed.
    (CACHE / ".gitignore").write_text("*\n")
    try:
        return Installation(family, version=_INSTALLERS[family]())
    except (RuntimeError, OSError, KeyError, ValueError) as error:
        return Installation(family, error=str(error))


def install_tools() -> Installation:
    """The bench-only tools environment: matplotlib for the chart, py-spy for profiles."""
    try:
        version = _python_env("tools", ["matplotlib", "py-spy"], "matplotlib")
        return Installation("tools", version=f"matplotlib {version}")
    except (RuntimeError, OSError) as error:
        return Installation("tools", error=str(error))


def tools_python() -> Path:
    return CACHE / "tools" / "bin" / "python"


def py_spy() -> Path:
    return CACHE / "tools" / "bin" / "py-spy"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def _command(spec: PeerSpec, port: int, data_dir: Path) -> tuple[list[str], dict[str, str]]:
    env = dict(os.environ)
    if spec.family == "shardline":
        command = [sys.executable, "-m", "shardline", "serve", "--host", HOST, "--port", str(port),
                   "--data-dir", str(data_dir), *spec.extra_args]
    elif spec.family == "moto":
        command = [str(CACHE / "moto" / "bin" / "python"), "-c", _MOTO_QUIET, "-H", HOST, "-p", str(port)]
    elif spec.family == "ministack":
        command = [str(CACHE / "ministack" / "bin" / "ministack")]
        env.update(GATEWAY_PORT=str(port), BIND_HOST=HOST, LOG_LEVEL="WARNING", TMPDIR=str(data_dir))
    elif spec.family == "dynalite":
        command = ["node", str(CACHE / "node" / "node_modules" / "dynalite" / "cli.js"), "--host", HOST,
                   "--port", str(port), "--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0"]
    else:
        raise ValueError(f"unknown peer family {spec.family}")
    return command, env


class PeerFailed(Exception):
    pass


@dataclass
class RunningPeer:
    spec: PeerSpec
    process: subprocess.Popen[bytes]
    endpoint: Endpoint
    startup_seconds: float
    log_path: Path
    notes: list[str] = field(default_factory=list)

    def rss_mb(self) -> float:
        return rss_bytes(self.process.pid) / 1024 / 1024

    async def settle(self, window: float = 0.2, quiet_share: float = 0.1, limit: float = 120.0) -> float:
        """Waits until the peer stops using the server core (below quiet_share of it over a window), at most limit
        seconds; returns the seconds waited. A measured run ends at its time cap, but a slow peer goes on working
        on the requests already sent (moto's Query at 100k items takes about 50 s), and that work would land on
        whichever peer is measured next on the same core."""
        waited = 0.0
        while waited < limit and self.process.poll() is None:
            before = cpu_seconds(self.process.pid)
            await asyncio.sleep(window)
            waited += window
            if cpu_seconds(self.process.pid) - before < quiet_share * window:
                break
        return waited

    def stop(self) -> None:
        if self.process.poll() is None:
            # The peer runs in its own session, so its process group holds only what it started.
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)

    def log_tail(self) -> str:
        try:
            return " | ".join(self.log_path.read_text(errors="replace").strip().splitlines()[-6:])
        except OSError:
            return ""


async def start(spec: PeerSpec, server_cores: frozenset[int], work_dir: Path, timeout: float = 90.0) -> RunningPeer:
    """Starts the peer and waits for its first successful ListTables; the wait is its startup time."""
    port = free_port()
    data_dir = work_dir / f"{spec.family}-{port}"
    data_dir.mkdir(parents=True)
    command, env = _command(spec, port, data_dir)
    log_path = data_dir / "server.log"
    with log_path.open("wb") as log:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=data_dir, start_new_session=True,
            preexec_fn=lambda: os.sched_setaffinity(0, server_cores),
        )
    peer = RunningPeer(spec, process, Endpoint(HOST, port), 0.0, log_path)
    api = Api(peer.endpoint)
    try:
        while True:
            if process.poll() is not None:
                raise PeerFailed(f"{spec.name} exited with {process.returncode}: {peer.log_tail()}")
            if time.perf_counter() - started > timeout:
                peer.stop()
                raise PeerFailed(f"{spec.name} did not answer ListTables within {timeout:.0f}s: {peer.log_tail()}")
            try:
                await api.call("ListTables", {})
                break
            except (OSError, ApiError):
                api.close()
                await asyncio.sleep(0.005)
        peer.startup_seconds = time.perf_counter() - started
    finally:
        api.close()
    return peer
