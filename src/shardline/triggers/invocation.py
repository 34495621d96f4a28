"""Invoking a mapping's function: a Python handler in worker processes (never in the server's event loop),
or an http(s) URL. A handler that raises, outlives its timeout or kills its process is an invocation error,
reported as Lambda reports one; the server itself is never affected."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import orjson

from shardline.triggers.python_worker import HEADER

logger = logging.getLogger(__name__)

DEFAULT_MEMORY_MB = 128
MAX_PROCESSES_PER_FUNCTION = 32


@dataclass(frozen=True)
class InvocationResult:
    """What an invocation returned: `function_error` is Lambda's "Unhandled" when the function failed
    (its payload then is Lambda's error object), None when it returned `payload`."""

    status_code: int
    payload: Any
    function_error: str | None = None

    @property
    def error_type(self) -> str | None:
        if self.function_error is None or not isinstance(self.payload, Mapping):
            return None
        kind = self.payload.get("errorType")
        return str(kind) if kind is not None else None


def failed(error_type: str, message: str) -> InvocationResult:
    return InvocationResult(200, {"errorType": error_type, "errorMessage": message}, "Unhandled")


class FunctionInvoker(Protocol):
    async def invoke(self, event: Mapping[str, Any], request_id: str) -> InvocationResult: ...

    async def warm(self) -> None:
        """Prepares for a first invocation (starts a worker) so it is not slowed by start-up."""
        ...

    async def close(self) -> None: ...


def is_url(function_name: str) -> bool:
    return function_name.startswith(("http://", "https://"))


class _Worker:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @property
    def alive(self) -> bool:
        return self.process.returncode is None

    async def call(self, body: bytes) -> bytes:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(HEADER.pack(len(body)) + body)
        await self.process.stdin.drain()
        return await self._answer()

    async def _answer(self) -> bytes:
        assert self.process.stdout is not None
        header = await self.process.stdout.readexactly(HEADER.size)
        (length,) = HEADER.unpack(header)
        return await self.process.stdout.readexactly(length)

    async def kill(self) -> None:
        if self.alive:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
        with contextlib.suppress(Exception):
            await self.process.wait()


class PythonFunction:
    """A pool of worker processes for one handler: one process per concurrent invocation, reused while
    healthy, replaced after a timeout or a crash."""

    def __init__(
        self, handler: str, *, function_name: str, function_arn: str, timeout_seconds: float,
        import_paths: tuple[Path, ...] = (), working_directory: Path | None = None,
        memory_mb: int = DEFAULT_MEMORY_MB, max_processes: int = MAX_PROCESSES_PER_FUNCTION,
    ) -> None:
        self._handler = handler
        self._function_name = function_name
        self._function_arn = function_arn
        self._timeout = timeout_seconds
        self._paths = tuple(str(path) for path in import_paths)
        self._cwd = working_directory
        self._memory = memory_mb
        self._idle: list[_Worker] = []
        self._all: set[_Worker] = set()
        self._slots = asyncio.Semaphore(max_processes)
        self._closed = False

    async def _spawn(self) -> _Worker:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "shardline.triggers.python_worker", self._handler, *self._paths,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=None,
            cwd=None if self._cwd is None else str(self._cwd), env=self._environment(),
        )
        worker = _Worker(process)
        self._all.add(worker)
        try:
            await worker._answer()  # the ready frame: the handler is imported
        except (asyncio.IncompleteReadError, ConnectionError):
            await worker.kill()
            self._all.discard(worker)
            raise
        return worker

    def _environment(self) -> dict[str, str]:
        """The server's environment plus the variables Lambda's runtime sets for a function (libraries such
        as Powertools read them); AWS_REGION only when the user has not chosen one."""
        environment = dict(os.environ)
        environment.update({
            "AWS_LAMBDA_FUNCTION_NAME": self._function_name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self._memory),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{self._function_name}",
            "_HANDLER": self._handler,
        })
        arn_parts = self._function_arn.split(":")
        if len(arn_parts) > 3 and arn_parts[3]:
            environment.setdefault("AWS_REGION", arn_parts[3])
        return environment

    async def warm(self) -> None:
        if self._idle or self._closed:
            return
        async with self._slots:
            with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError, OSError):
                self._idle.append(await self._spawn())

    async def invoke(self, event: Mapping[str, Any], request_id: str) -> InvocationResult:
        request = orjson.dumps({
            "requestId": request_id, "functionName": self._function_name, "functionArn": self._function_arn,
            "memory": self._memory, "timeout": self._timeout, "event": event,
        })
        async with self._slots:
            worker: _Worker | None = None
            try:
                worker = self._idle.pop() if self._idle else await self._spawn()
                answer = await asyncio.wait_for(worker.call(request), self._timeout)
            except TimeoutError:
                await self._discard(worker)
                return failed("Sandbox.Timedout", f"Task timed out after {self._timeout:.2f} seconds")
            except (asyncio.IncompleteReadError, ConnectionError, OSError):
                code = await self._discard(worker)
                status = f"signal: {_signal_name(-code)}" if code is not None and code < 0 else f"exit status {code}"
                message = f"RequestId: {request_id} Error: Runtime exited with error: {status}"
                return failed("Runtime.ExitError", message)
            except BaseException:
                await self._discard(worker)  # cancelled mid-call: the process state is unknown
                raise
            self._idle.append(worker)
        decoded = orjson.loads(answer)
        if decoded.get("ok"):
            return InvocationResult(200, decoded.get("result"))
        decoded.pop("ok", None)
        return InvocationResult(200, decoded, "Unhandled")

    async def _discard(self, worker: _Worker | None) -> int | None:
        if worker is None:
            return None
        self._all.discard(worker)
        if worker.alive:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(worker.process.wait()), 0.05)
        code = worker.process.returncode
        await worker.kill()
        return code

    async def close(self) -> None:
        self._closed = True
        workers = list(self._all)
        self._all.clear()
        self._idle.clear()
        for worker in workers:
            if worker.process.stdin is not None:
                with contextlib.suppress(Exception):
                    worker.process.stdin.close()
        await asyncio.gather(*(worker.kill() for worker in workers), return_exceptions=True)


def _signal_name(number: int) -> str:
    import signal

    try:
        return signal.Signals(number).name.removeprefix("SIG").lower()
    except ValueError:
        return str(number)

