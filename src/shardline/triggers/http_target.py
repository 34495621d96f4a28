"""Functions behind an http(s) URL: the event is POSTed as JSON; a 2xx answer is success and its JSON body
(if any) is the function's response, which may carry batchItemFailures or a window's state."""

from __future__ import annotations

import asyncio
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any

import orjson

from shardline.triggers.invocation import InvocationResult, failed


class HttpFunction:
    def __init__(self, url: str, *, timeout_seconds: float) -> None:
        self._url = url
        self._timeout = timeout_seconds

    def _post(self, body: bytes, request_id: str) -> tuple[int, bytes]:
        request = urllib.request.Request(
            self._url, data=body, method="POST",
            headers={"Content-Type": "application/json", "Lambda-Runtime-Aws-Request-Id": request_id},
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                return int(response.status), response.read()
        except urllib.error.HTTPError as error:
            return int(error.code), error.read()

    async def invoke(self, event: Mapping[str, Any], request_id: str) -> InvocationResult:
        try:
            status, body = await asyncio.to_thread(self._post, orjson.dumps(event), request_id)
        except TimeoutError:
            return failed("Sandbox.Timedout", f"Task timed out after {self._timeout:.2f} seconds")
        except (OSError, ValueError) as error:
            return failed("Function.ConnectionError", f"{self._url}: {error}")
        if not 200 <= status < 300:
            return failed("Function.HttpError", f"{self._url} answered HTTP {status}: {body[:200]!r}")
        if not body.strip():
            return InvocationResult(200, None)
        try:
            return InvocationResult(200, orjson.loads(body))
        except orjson.JSONDecodeError:
            return InvocationResult(200, body.decode(errors="replace"))

    async def warm(self) -> None:
        return None

    async def close(self) -> None:
        return None
