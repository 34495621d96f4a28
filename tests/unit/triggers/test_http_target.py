"""Functions behind an http(s) URL: the event arrives as a JSON POST; a 2xx answer is success and its JSON body
is the function's response; anything else, a hang past the Timeout or no listener is an invocation error."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from shardline.triggers.http_target import HttpFunction
from shardline.triggers.invocation import InvocationResult

EVENT = {"Records": [{"eventName": "INSERT", "dynamodb": {"SequenceNumber": "100000000000000000001"}}]}
FAILURES = {"batchItemFailures": [{"itemIdentifier": "100000000000000000001"}]}

# path -> (status, body, delay in seconds)
ANSWERS: dict[str, tuple[int, bytes, float]] = {
    "/failures": (200, json.dumps(FAILURES).encode(), 0.0),
    "/empty": (204, b"", 0.0),
    "/text": (200, b"done", 0.0),
    "/broken": (500, b"boom", 0.0),
    "/slow": (200, b"{}", 3.0),
}


class _Recorder(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str, dict[str, str], Any]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.received.append((self.path, dict(self.headers), body))
        status, answer, delay = ANSWERS[self.path]
        time.sleep(delay)
        try:
            self.send_response(status)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up first (the timeout case)

    def log_message(self, format: str, *args: Any) -> None:
        return None


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _invoke(url: str, *, timeout: float = 2.0) -> InvocationResult:
    return asyncio.run(HttpFunction(url, timeout_seconds=timeout).invoke(EVENT, "req-1"))


def test_the_event_is_posted_as_json_and_the_body_is_the_response(base_url: str) -> None:
    result = _invoke(base_url + "/failures")
    assert (result.status_code, result.function_error, result.payload) == (200, None, FAILURES)
    path, headers, body = _Recorder.received[-1]
    assert (path, body) == ("/failures", EVENT)
    assert headers["Content-Type"] == "application/json"
    assert headers["Lambda-Runtime-Aws-Request-Id"] == "req-1"


@pytest.mark.parametrize("path, payload", [("/empty", None), ("/text", "done")])
def test_other_2xx_answers_are_successes(base_url: str, path: str, payload: Any) -> None:
    result = _invoke(base_url + path)
    assert (result.function_error, result.payload) == (None, payload)


def test_a_non_2xx_answer_is_a_function_error(base_url: str) -> None:
    result = _invoke(base_url + "/broken")
    assert (result.function_error, result.error_type) == ("Unhandled", "Function.HttpError")
    assert "answered HTTP 500" in result.payload["errorMessage"]


def test_an_answer_later_than_the_timeout_is_a_timeout(base_url: str) -> None:
    result = _invoke(base_url + "/slow", timeout=1.0)
    assert (result.function_error, result.error_type) == ("Unhandled", "Sandbox.Timedout")
    assert result.payload["errorMessage"] == "Task timed out after 1.00 seconds"


def test_no_listener_is_a_function_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = _invoke(f"http://127.0.0.1:{port}/nobody")
    assert (result.function_error, result.error_type) == ("Unhandled", "Function.ConnectionError")
