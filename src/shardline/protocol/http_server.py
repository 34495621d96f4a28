"""shardline's HTTP/1.1 server: an asyncio server of http_connection.HttpConnection protocols (httptools; uvloop
when the loop is uvloop's), with idle keep-alive expiry, a request-read timeout, a bound on open connections and
a graceful stop (stop accepting, finish the requests in progress, then return)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Callable
from email.utils import formatdate

from shardline.clock import Clock
from shardline.protocol.http_connection import HttpApplication, HttpConnection
from shardline.settings import DEFAULT_REQUEST_TIMEOUT_SECONDS

# An idle keep-alive connection is closed after this long (uvicorn's default, which served us before).
KEEP_ALIVE_SECONDS = 5.0
# A request must arrive whole within this long of its first byte (Settings.request_timeout_seconds).
REQUEST_TIMEOUT_SECONDS = DEFAULT_REQUEST_TIMEOUT_SECONDS
# Open connections beyond this many first displace the longest-idle keep-alive connection, else are closed at
# once: each holds a descriptor and buffers, and SDK pools keep about ten per client.
MAX_CONNECTIONS = 1024
# In-flight requests get this long to finish after a stop before their connections are cut.
GRACEFUL_SHUTDOWN_SECONDS = 30.0
LISTEN_BACKLOG = 2048
# How often the Date header is renewed and idle connections are looked for.
TICK_SECONDS = 1.0
_SHUTDOWN_POLL_SECONDS = 0.02


class HttpServer:
    """Serves `app` on one address. serve() returns after stop() once the requests in progress are answered
    (or GRACEFUL_SHUTDOWN_SECONDS passed, or stop() was called a second time)."""

    def __init__(
        self,
        app: HttpApplication,
        *,
        max_body_bytes: int,
        clock: Clock,
        keep_alive_seconds: float = KEEP_ALIVE_SECONDS,
        request_timeout_seconds: float = REQUEST_TIMEOUT_SECONDS,
        max_connections: int = MAX_CONNECTIONS,
        graceful_seconds: float = GRACEFUL_SHUTDOWN_SECONDS,
        tick_seconds: float = TICK_SECONDS,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.stopping = False
        self._clock = clock
        self._keep_alive_seconds = keep_alive_seconds
        self._request_timeout_seconds = request_timeout_seconds
        self._max_connections = max_connections
        self._graceful_seconds = graceful_seconds
        self._tick_seconds = tick_seconds
        self._connections: set[HttpConnection] = set()
        self._forced = False
        self._stop_requested: asyncio.Event | None = None
        self._listener: asyncio.AbstractServer | None = None
        self._date_second = -1
        self.date_line = b""
        self._refresh_date()

    # --- what connections report ---------------------------------------------------------------------

    def opened(self, connection: HttpConnection) -> None:
        if len(self._connections) >= self._max_connections and not self._make_room():
            connection.refuse_connection()
            return
        self._connections.add(connection)
        if self.stopping:
            connection.shutdown()

    def _make_room(self) -> bool:
        """At the bound (closing connections aside), closes the longest-idle keep-alive connection: its client
        reconnects when it needs to, as after the keep-alive expiry. False when every connection is busy."""
        active = [connection for connection in self._connections if connection.closing_since is None]
        if len(active) < self._max_connections:
            return True
        idle = [connection for connection in active if connection.is_idle()]
        if not idle:
            return False
        min(idle, key=lambda connection: connection.idle_since).shutdown()
        return True

    def closed(self, connection: HttpConnection) -> None:
        # Called once a connection is closed and no task of it is answering any more.
        self._connections.discard(connection)

    # --- lifecycle ---------------------------------------------------------------------------------------

    async def start(self, host: str, port: int) -> int:
        """Binds and starts accepting; the bound port (useful with port 0). OSError when it cannot bind."""
        loop = asyncio.get_running_loop()
        self._stop_requested = asyncio.Event()
        self._listener = await loop.create_server(
            lambda: HttpConnection(self, loop), host=host, port=port, backlog=LISTEN_BACKLOG, reuse_address=True,
        )
        sockets = self._listener.sockets
        bound: int = sockets[0].getsockname()[1] if sockets else port
        for sock in sockets:
            if sock.family in (socket.AF_INET, socket.AF_INET6):
                # Answers are single writes; never hold one back waiting for an ACK.
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return bound

    def stop(self) -> None:
        """Asks serve() to stop; a second call skips the wait for requests in progress."""
        if self.stopping:
            self._forced = True
        self.stopping = True
        if self._stop_requested is not None:
            self._stop_requested.set()

    async def serve(self, host: str, port: int, on_ready: Callable[[int], None] | None = None) -> None:
        port = await self.start(host, port)
        if on_ready is not None:
            on_ready(port)
        tick = asyncio.create_task(self._tick(), name="shardline-http-tick")
        try:
            assert self._stop_requested is not None
            await self._stop_requested.wait()
        finally:
            tick.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await tick
            await self.shutdown()

    async def shutdown(self) -> None:
        """Stops accepting, lets requests in progress finish (bounded), then cuts what is left."""
        self.stopping = True
        if self._listener is not None:
            self._listener.close()
        for connection in list(self._connections):
            connection.shutdown()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._graceful_seconds
        while self._connections and not self._forced and loop.time() < deadline:
            await asyncio.sleep(_SHUTDOWN_POLL_SECONDS)
        remaining = list(self._connections)
        for connection in remaining:
            connection.abort()
        tasks = [connection.task for connection in remaining if connection.task is not None]
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        if self._listener is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._listener.wait_closed(), timeout=1.0)

    # --- housekeeping ------------------------------------------------------------------------------------

    async def _tick(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self._tick_seconds)
            self._refresh_date()
            now = loop.time()
            expired = now - self._keep_alive_seconds
            overdue = now - self._request_timeout_seconds
            for connection in list(self._connections):
                if connection.closing_since is not None:
                    if connection.closing_since < overdue:
                        connection.abort()  # a client that does not read its last answer
                    continue
                if connection.is_idle():
                    if connection.idle_since < expired:
                        connection.shutdown()
                    continue
                started = connection.receiving_since()
                if started is not None and started < overdue:
                    connection.time_out()

    def _refresh_date(self) -> None:
        now = self._clock.now()
        second = int(now)
        if second != self._date_second:
            self._date_second = second
            self.date_line = b"date: " + formatdate(now, usegmt=True).encode("ascii") + b"\r\n"
