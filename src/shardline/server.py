"""The server process: Settings → SqliteBackend → operation registry → app → protocol/http_server.py, with a
clean shutdown on SIGTERM/SIGINT (stop accepting, finish in-flight requests, close the store)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import Callable, Generator
from pathlib import Path

from shardline.clock import Clock, SystemClock
from shardline.credentials import CredentialStore, load_credentials
from shardline.operations.context import OperationContext
from shardline.operations.indexes.backfill import resume_index_jobs
from shardline.operations.registry import build_registry
from shardline.operations.tables.table_purge import resume_table_purges
from shardline.protocol.asgi import build_app
from shardline.protocol.auth import Authenticator
from shardline.protocol.framing import MAX_REQUEST_BYTES
from shardline.protocol.http_server import HttpServer
from shardline.protocol.lambda_api import LambdaApi
from shardline.settings import Settings
from shardline.storage.backend import StorageBackend
from shardline.storage.sqlite.backend import SqliteBackend
from shardline.streams.reader import StreamReader
from shardline.streams.retention import run_upkeep
from shardline.triggers.checkpoints import CheckpointStore
from shardline.triggers.commit_signal import CommitSignal, SignallingStorage
from shardline.triggers.mappings import MappingConfig, load_triggers_file
from shardline.triggers.runtime import RuntimeOptions, TriggerRuntime
from shardline.triggers.sources import LocalStreamSource
from shardline.triggers.triggers_file import read_triggers_functions

DATABASE_FILE = "shardline.db"
# In-flight requests get this long to finish after SIGTERM/SIGINT before they are cancelled.
GRACEFUL_SHUTDOWN_SECONDS = 30
# The event loop and the storage writer thread take turns holding the GIL. With CPython's default 5 ms switch
# interval, a request's answer or a stream poll often waits out a whole interval while the other thread runs
# Python code. In two A/B runs of `python -m bench.harness --quick --peers shardline`, 0.5 ms cut
# write-to-readable p99 from 8.6 to 4.2 ms and from 5.7 to 3.5 ms; throughput moved within the noise.
GIL_SWITCH_INTERVAL_SECONDS = 0.0005

ReadyCallback = Callable[[str], None]


def database_location(settings: Settings) -> Path | None:
    """Where the store lives: None for --in-memory, otherwise <data-dir>/shardline.db."""
    if settings.in_memory:
        return None
    return settings.data_dir / DATABASE_FILE


def open_storage(settings: Settings) -> StorageBackend:
    if settings.postgres_url is not None:
        # Imported only here: psycopg is the optional `postgres` extra.
        from shardline.storage.postgres import PostgresBackend

        return PostgresBackend.open(settings.postgres_url, durable=not settings.relaxed_durability)
    location = database_location(settings)
    if location is not None:
        location.parent.mkdir(parents=True, exist_ok=True)
    return SqliteBackend.open(location, durable=not settings.relaxed_durability)


def print_ready(url: str) -> None:
    print(f"shardline listening on {url}", flush=True)


@contextlib.contextmanager
def _stop_on_signals(server: HttpServer) -> Generator[None, None, None]:
    """SIGTERM/SIGINT ask the server to stop gracefully; a second one skips the wait for in-flight requests."""
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, server.stop)
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread / no support
            continue
        installed.append(sig)
    try:
        yield
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


async def serve(
    settings: Settings,
    *,
    on_ready: ReadyCallback = print_ready,
    clock: Clock | None = None,
    storage: StorageBackend | None = None,
) -> None:
    """Serves until SIGTERM/SIGINT, then closes the store. OSError when the address cannot be bound."""
    previous_interval = sys.getswitchinterval()
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_SECONDS)
    try:
        await _serve(settings, on_ready=on_ready, clock=clock, storage=storage)
    finally:
        sys.setswitchinterval(previous_interval)


async def _serve(
    settings: Settings,
    *,
    on_ready: ReadyCallback,
    clock: Clock | None,
    storage: StorageBackend | None,
) -> None:
    # Read before the store opens, so that a bad --auth file stops the server before it touches any data.
    credentials: CredentialStore | None = load_credentials(settings.auth_file) if settings.auth_file else None
    mappings: list[MappingConfig] = load_triggers_file(settings.triggers_file) if settings.triggers_file else []
    raw_store: StorageBackend = storage if storage is not None else open_storage(settings)
    # Every acknowledged write wakes the trigger runtime, so handlers see a commit within milliseconds.
    commits = CommitSignal()
    store: StorageBackend = SignallingStorage(raw_store, commits)
    try:
        time_source = clock if clock is not None else SystemClock()
        triggers = _trigger_runtime(settings, raw_store, commits, time_source)
        registry = build_registry(skip_missing=True)

        def context_for(request_id: str) -> OperationContext:
            return OperationContext(
                storage=store, clock=time_source, settings=settings, request_id=request_id
            )

        authenticator = Authenticator(credentials, time_source)
        functions = read_triggers_functions(settings.triggers_file) if settings.triggers_file else None
        lambda_api = LambdaApi(
            triggers, context_for, region=settings.region, account_id=settings.account_id, functions=functions
        )
        app = build_app(
            registry, context_for, region=settings.region, authenticator=authenticator, lambda_api=lambda_api
        )
        server = HttpServer(
            app, max_body_bytes=MAX_REQUEST_BYTES, clock=time_source, graceful_seconds=GRACEFUL_SHUTDOWN_SECONDS,
            request_timeout_seconds=settings.request_timeout_seconds,
        )
        upkeep = asyncio.create_task(run_upkeep(store, time_source, settings), name="shardline-stream-upkeep")
        # GSI builds and deletions, and the row purges of deleted tables, left unfinished by a previous run
        # carry on from where they stopped.
        await resume_index_jobs(store)
        await resume_table_purges(store)
        await triggers.start()
        for mapping in mappings:
            await triggers.add_mapping(mapping, persist=False)
        try:
            with _stop_on_signals(server):
                await server.serve(
                    settings.host, settings.port,
                    lambda port: on_ready(f"http://{_url_host(settings.host)}:{port}"),
                )
        finally:
            await triggers.stop()
            upkeep.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await upkeep
    finally:
        await store.close()


def _trigger_runtime(
    settings: Settings, storage: StorageBackend, commits: CommitSignal, clock: Clock
) -> TriggerRuntime:
    """The runtime over this server's own streams. Checkpoints go to the unwrapped store: they are not news
    for the runtime itself."""
    reader = StreamReader(storage, clock, settings)
    source = LocalStreamSource(reader, storage, commits)
    working_directory = Path.cwd()
    paths = [working_directory]
    if settings.triggers_file is not None:
        paths.insert(0, settings.triggers_file.resolve().parent)
    options = RuntimeOptions(
        region=settings.region, account_id=settings.account_id, import_paths=tuple(paths),
        working_directory=working_directory, lease_seconds=settings.trigger_lease_seconds,
    )
    return TriggerRuntime(source, CheckpointStore(storage, clock), clock, options)


def _event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop]:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency wherever it builds (not on Windows)
        return asyncio.new_event_loop
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def run(settings: Settings, *, on_ready: ReadyCallback = print_ready) -> int:
    """Runs the server to completion in a fresh event loop; the process exit code."""
    with asyncio.Runner(loop_factory=_event_loop_factory()) as runner:
        runner.run(serve(settings, on_ready=on_ready))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run(Settings()))
