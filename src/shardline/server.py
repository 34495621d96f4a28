"""The server process: Settings → SqliteBackend → operation registry → ASGI app → uvicorn, with a
clean shutdown on SIGTERM/SIGINT (stop accepting, finish in-flight requests, close the store)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import sys
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

import uvicorn

from shardline.clock import Clock, SystemClock
from shardline.credentials import CredentialStore, load_credentials
from shardline.operations.context import OperationContext
from shardline.operations.registry import build_registry
from shardline.protocol.asgi import build_app
from shardline.protocol.auth import Authenticator
from shardline.settings import Settings
from shardline.storage.backend import StorageBackend
from shardline.storage.sqlite.backend import SqliteBackend
from shardline.streams.retention import run_upkeep

DATABASE_FILE = "shardline.db"
# In-flight requests get this long to finish after SIGTERM/SIGINT before they are cancelled.
GRACEFUL_SHUTDOWN_SECONDS = 30

ReadyCallback = Callable[[str], None]


def database_location(settings: Settings) -> Path | None:
    """Where the store lives: None for --in-memory, otherwise <data-dir>/shardline.db."""
    if settings.in_memory:
        return None
    return settings.data_dir / DATABASE_FILE


def open_storage(settings: Settings) -> SqliteBackend:
    location = database_location(settings)
    if location is not None:
        location.parent.mkdir(parents=True, exist_ok=True)
    return SqliteBackend.open(location, durable=not settings.relaxed_durability)


def print_ready(url: str) -> None:
    print(f"shardline listening on {url}", flush=True)


class _Server(uvicorn.Server):
    """uvicorn's server with shardline's signal handling and ready notice.

    uvicorn re-raises a captured SIGTERM/SIGINT after its own shutdown, which would kill the process
    before the store is closed and turn exit code 0 into a signal death; these handlers only ask the
    server to stop."""

    def __init__(self, config: uvicorn.Config, host: str, on_ready: ReadyCallback) -> None:
        super().__init__(config)
        self._host = host
        self._on_ready = on_ready

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        loop = asyncio.get_running_loop()
        installed: list[signal.Signals] = []
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, self.handle_exit, sig, None)
            except (NotImplementedError, RuntimeError, ValueError):  # not the main thread / no support
                continue
            installed.append(sig)
        try:
            yield
        finally:
            for sig in installed:
                loop.remove_signal_handler(sig)

    def handle_exit(self, sig: int, frame: Any) -> None:
        # A second signal while shutting down skips the wait for in-flight requests.
        if self.should_exit:
            self.force_exit = True
        self.should_exit = True

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started and self.servers:
            port = self.servers[0].sockets[0].getsockname()[1]
            self._on_ready(f"http://{_url_host(self._host)}:{port}")


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def build_uvicorn_config(app: Any, settings: Settings) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        lifespan="off",
        access_log=False,
        log_config=None,
        log_level="warning",
        server_header=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )


async def serve(
    settings: Settings,
    *,
    on_ready: ReadyCallback = print_ready,
    clock: Clock | None = None,
    storage: StorageBackend | None = None,
) -> None:
    """Serves until SIGTERM/SIGINT (or until the uvicorn server is told to exit), then closes the store."""
    # Read before the store opens, so that a bad --auth file stops the server before it touches any data.
    credentials: CredentialStore | None = load_credentials(settings.auth_file) if settings.auth_file else None
    store: StorageBackend = storage if storage is not None else open_storage(settings)
    try:
        time_source = clock if clock is not None else SystemClock()
        registry = build_registry(skip_missing=True)

        def context_for(request_id: str) -> OperationContext:
            return OperationContext(
                storage=store, clock=time_source, settings=settings, request_id=request_id
            )

        authenticator = Authenticator(credentials, time_source)
        app = build_app(registry, context_for, region=settings.region, authenticator=authenticator)
        server = _Server(build_uvicorn_config(app, settings), settings.host, on_ready)
        upkeep = asyncio.create_task(run_upkeep(store, time_source, settings), name="shardline-stream-upkeep")
        try:
            await server.serve()
        finally:
            upkeep.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await upkeep
    finally:
        await store.close()


def _event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop]:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop ships with uvicorn[standard] on Linux/macOS
        return asyncio.new_event_loop
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def run(settings: Settings, *, on_ready: ReadyCallback = print_ready) -> int:
    """Runs the server to completion in a fresh event loop; the process exit code."""
    with asyncio.Runner(loop_factory=_event_loop_factory()) as runner:
        try:
            runner.run(serve(settings, on_ready=on_ready))
        except SystemExit as stop:  # uvicorn exits this way when it cannot bind
            return stop.code if isinstance(stop.code, int) else 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run(Settings()))
