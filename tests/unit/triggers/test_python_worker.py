"""Python handlers in worker processes: results, raised errors, timeouts, crashes, import errors and the
Lambda-like context."""

from __future__ import annotations

import asyncio
import textwrap
from pathlib import Path
from typing import Any

import pytest

from shardline.triggers.invocation import InvocationResult, PythonFunction

HANDLERS = textwrap.dedent('''
    import os, time

    def echo(event, context):
        return {
            "records": len(event["Records"]), "request": context.aws_request_id,
            "name": context.function_name, "arn": context.invoked_function_arn,
            "memory": context.memory_limit_in_mb, "remaining": context.get_remaining_time_in_millis(),
            "pid": os.getpid(),
        }

    def raises(event, context):
        raise KeyError("no such order")

    def hangs(event, context):
        time.sleep(30)

    def dies(event, context):
        os._exit(3)

    def unserialisable(event, context):
        return {"when": object()}

    def environment(event, context):
        names = ("AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                 "AWS_LAMBDA_LOG_GROUP_NAME", "_HANDLER", "AWS_REGION")
        return {name: os.environ.get(name) for name in names}

    def prints(event, context):
        print("hello from the handler")
        return "done"
''')


def invoke(tmp_path: Path, handler: str, *, timeout: float = 5.0, times: int = 1) -> list[InvocationResult]:
    (tmp_path / "sample_handlers.py").write_text(HANDLERS)

    async def scenario() -> list[InvocationResult]:
        function = PythonFunction(
            f"sample_handlers:{handler}", function_name="orders",
            function_arn="arn:aws:lambda:us-east-1:0:function:orders",
            timeout_seconds=timeout, import_paths=(tmp_path,),
        )
        try:
            return [await function.invoke({"Records": [{}, {}]}, f"req-{n}") for n in range(times)]
        finally:
            await function.close()

    return asyncio.run(scenario())


def test_a_handler_gets_the_event_and_a_lambda_context(tmp_path: Path) -> None:
    first, second = invoke(tmp_path, "echo", times=2)
    assert first.function_error is None
    payload: dict[str, Any] = first.payload
    assert payload["records"] == 2
    assert payload["request"] == "req-0"
    assert payload["name"] == "orders"
    assert payload["arn"] == "arn:aws:lambda:us-east-1:0:function:orders"
    assert payload["memory"] == 128
    assert 4000 < payload["remaining"] <= 5000
    assert second.payload["pid"] == payload["pid"]  # the worker process is reused


def test_the_worker_has_lambdas_runtime_variables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    (result,) = invoke(tmp_path, "environment")
    assert result.payload == {
        "AWS_LAMBDA_FUNCTION_NAME": "orders", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128", "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/orders",
        "_HANDLER": "sample_handlers:environment", "AWS_REGION": "us-east-1",
    }


def test_a_region_the_user_chose_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-3")
    (result,) = invoke(tmp_path, "environment")
    assert result.payload["AWS_REGION"] == "eu-west-3"


def test_a_raised_exception_is_an_unhandled_function_error(tmp_path: Path) -> None:
    (result,) = invoke(tmp_path, "raises")
    assert result.function_error == "Unhandled"
    assert result.error_type == "KeyError"
    assert result.payload["errorMessage"] == "'no such order'"
    assert any("raise KeyError" in line for line in result.payload["stackTrace"])


def test_a_handler_past_its_timeout_is_stopped(tmp_path: Path) -> None:
    (result,) = invoke(tmp_path, "hangs", timeout=0.5)
    assert result.function_error == "Unhandled"
    assert result.error_type == "Sandbox.Timedout"
    assert result.payload["errorMessage"] == "Task timed out after 0.50 seconds"


def test_a_crashed_process_is_an_error_and_is_replaced(tmp_path: Path) -> None:
    first, second = invoke(tmp_path, "dies", times=2)
    for result in (first, second):
        assert result.function_error == "Unhandled"
        assert result.error_type == "Runtime.ExitError"
    assert first.payload["errorMessage"] == "RequestId: req-0 Error: Runtime exited with error: exit status 3"


@pytest.mark.parametrize(
    ("handler", "error_type"),
    [("missing", "Runtime.HandlerNotFound"), ("unserialisable", "Runtime.MarshalError")],
)
def test_runtime_errors(tmp_path: Path, handler: str, error_type: str) -> None:
    (result,) = invoke(tmp_path, handler)
    assert result.function_error == "Unhandled"
    assert result.error_type == error_type


def test_an_unimportable_module_is_an_import_error(tmp_path: Path) -> None:
    async def scenario() -> InvocationResult:
        function = PythonFunction("no_such_module_here:handler", function_name="f", function_arn="arn",
                                  timeout_seconds=5, import_paths=(tmp_path,))
        try:
            return await function.invoke({"Records": []}, "req")
        finally:
            await function.close()

    result = asyncio.run(scenario())
    assert result.error_type == "Runtime.ImportModuleError"


def test_prints_do_not_disturb_the_protocol(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    (result,) = invoke(tmp_path, "prints")
    assert result.function_error is None and result.payload == "done"
    assert "hello from the handler" in capfd.readouterr().err
