"""A worker process that runs one Python handler (`package.module:function`) as Lambda's Python runtime
calls it: `handler(event, context)`. Run as `python -m shardline.triggers.python_worker HANDLER [PATH...]`.

Requests arrive on stdin and answers leave on the original stdout as length-prefixed JSON frames; the
handler's own prints go to stderr, so they cannot corrupt the protocol.
"""

from __future__ import annotations

import importlib
import os
import struct
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any, BinaryIO

import orjson

HEADER = struct.Struct(">I")


def read_frame(stream: BinaryIO) -> bytes | None:
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        return None
    (length,) = HEADER.unpack(header)
    body = stream.read(length)
    return body if len(body) == length else None


def write_frame(stream: BinaryIO, body: bytes) -> None:
    stream.write(HEADER.pack(len(body)) + body)
    stream.flush()


class LambdaContext:
    """The context object Lambda's Python runtime passes to a handler."""

    def __init__(
        self, *, request_id: str, function_name: str, function_arn: str, memory_mb: int, timeout_seconds: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.aws_request_id = request_id
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = function_arn
        self.memory_limit_in_mb = memory_mb
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = f"shardline/{os.getpid()}"
        self.identity = None
        self.client_context = None
        self._monotonic = monotonic
        self._deadline = monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - self._monotonic()) * 1000))


def load_handler(spec: str) -> Callable[..., Any]:
    """Imports `package.module:function` (Lambda's `module.function` form is accepted too)."""
    module_name, separator, attribute = spec.partition(":")
    if not separator:
        module_name, _, attribute = spec.rpartition(".")
    if not module_name or not attribute:
        raise ValueError(f"Bad handler '{spec}': expected package.module:function")
    module = importlib.import_module(module_name)
    handler = getattr(module, attribute, None)
    if handler is None or not callable(handler):
        raise AttributeError(f"Handler '{attribute}' missing on module '{module_name}'")
    return handler  # type: ignore[no-any-return]


def _error(error_type: str, error: BaseException, trace: bool = True) -> dict[str, Any]:
    answer: dict[str, Any] = {"ok": False, "errorType": error_type, "errorMessage": str(error)}
    if trace:
        answer["stackTrace"] = traceback.format_exception(error)[1:]
    return answer


def invoke(handler: Callable[..., Any] | BaseException, request: dict[str, Any]) -> bytes:
    if isinstance(handler, BaseException):
        kind = "Runtime.ImportModuleError" if isinstance(handler, ImportError) else "Runtime.HandlerNotFound"
        return orjson.dumps(_error(kind, handler, trace=False))
    context = LambdaContext(
        request_id=request["requestId"], function_name=request["functionName"],
        function_arn=request["functionArn"], memory_mb=int(request["memory"]),
        timeout_seconds=float(request["timeout"]),
    )
    try:
        result = handler(request["event"], context)
    except Exception as error:  # the handler's failure is the invocation's result, as in Lambda
        return orjson.dumps(_error(type(error).__name__, error))
    try:
        return orjson.dumps({"ok": True, "result": result}, option=orjson.OPT_NON_STR_KEYS)
    except TypeError as error:
        return orjson.dumps(_error("Runtime.MarshalError", error, trace=False))


def main(argv: list[str]) -> int:
    spec, paths = argv[0], argv[1:]
    for path in reversed(paths):
        if path not in sys.path:
            sys.path.insert(0, path)
    requests = sys.stdin.buffer
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # the handler's print() now goes to stderr
    handler: Callable[..., Any] | BaseException
    try:
        handler = load_handler(spec)
    except Exception as error:  # reported on every invocation, as Lambda reports an init error
        handler = error
    write_frame(answers, orjson.dumps({"ready": True}))
    while True:
        frame = read_frame(requests)
        if frame is None:
            return 0
        write_frame(answers, invoke(handler, orjson.loads(frame)))


if __name__ == "__main__":  # pragma: no cover - runs in the worker process
    try:
        sys.exit(main(sys.argv[1:]))
    except (BrokenPipeError, ConnectionResetError):
        # The server went away (killed or stopped) while this worker answered: nothing is left to answer to.
        # Exit quietly rather than print a traceback into the server's log.
        os._exit(0)
