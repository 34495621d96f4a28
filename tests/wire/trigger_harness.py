"""Wire-test helpers for triggers: a temporary handler package, a triggers file, and a server started with
`serve --triggers FILE` (one stream partition, so a table's records share one shard)."""

from __future__ import annotations

import itertools
import json
import textwrap
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

from tests.wire.conftest import ServerProcess, make_client, start_server

HANDLERS = textwrap.dedent('''
    """Handlers for the trigger wire tests: each logs its event to out/<name>.jsonl, then acts on the
    records' `action` attribute."""
    import json, os, pathlib, time

    OUT = pathlib.Path(__file__).resolve().parent.parent / "out"

    def _log(name, event, context):
        # one log per table: every mapping of the tests reads its own table
        arn = event["Records"][0]["eventSourceARN"] if event["Records"] else event["eventSourceARN"]
        name = arn.split(":table/")[1].split("/")[0]
        OUT.mkdir(exist_ok=True)
        line = {"event": event, "request_id": context.aws_request_id, "started": time.time(), "pid": os.getpid(),
                "arn": context.invoked_function_arn, "remaining": context.get_remaining_time_in_millis()}
        with open(OUT / f"{name}.jsonl", "a") as handle:
            handle.write(json.dumps(line) + "\\n")

    def _actions(event):
        return [r["dynamodb"].get("NewImage", {}).get("action", {}).get("S") for r in event["Records"]]

    def record(event, context):
        _log("record", event, context)

    def raises(event, context):
        _log("raises", event, context)
        if "raise" in _actions(event):
            raise ValueError("cannot ship this order")

    def hangs(event, context):
        _log("hangs", event, context)
        if "hang" in _actions(event):
            time.sleep(30)

    def crashes(event, context):
        _log("crashes", event, context)
        if "crash" in _actions(event):
            os._exit(7)

    def bisects(event, context):
        _log("bisects", event, context)
        if "raise" in _actions(event):
            raise RuntimeError("poison record")

    def partial(event, context):
        _log("partial", event, context)
        return {"batchItemFailures": [
            {"itemIdentifier": r["dynamodb"]["SequenceNumber"]}
            for r, action in zip(event["Records"], _actions(event)) if action == "fail"
        ]}

    def windowed(event, context):
        _log("windowed", event, context)
        return {"state": {"count": event["state"].get("count", 0) + len(event["Records"])}}

    def windowed_keys(event, context):
        _log("windowed_keys", event, context)
        state = dict(event["state"])
        for r in event["Records"]:
            key = r["dynamodb"]["Keys"]["pk"]["S"]
            state[key] = state.get(key, 0) + 1
        return {"state": state}

    def parallel(event, context):
        _log("parallel", event, context)
        time.sleep(0.05)
        with open(OUT / "parallel-ends.jsonl", "a") as handle:
            handle.write(json.dumps({"request_id": context.aws_request_id, "ended": time.time()}) + "\\n")

    def slow(event, context):
        _log("slow", event, context)
        time.sleep(0.1)
''')


def write_project(root: Path, mappings: list[dict[str, Any]], functions: dict[str, Any] | None = None) -> Path:
    package = root / "wire_handlers"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text("")
    (package / "handlers.py").write_text(HANDLERS)
    document: dict[str, Any] = {"EventSourceMappings": mappings}
    if functions:
        document["Functions"] = functions
    triggers = root / "triggers.yaml"
    triggers.write_text(yaml.safe_dump(document))
    return triggers


def serve_triggers(root: Path, triggers: Path, data_dir: Path | None = None) -> ServerProcess:
    return start_server(data_dir or root / "data", "--triggers", str(triggers), "--stream-partitions", "1")


def log_of(root: Path, table: str) -> list[dict[str, Any]]:
    return lines_of(root / "out" / f"{table}.jsonl")


def lines_of(path: Path) -> list[dict[str, Any]]:
    """The complete JSON lines of a file a handler (or destination) is still appending to: a last line
    without its newline is still being written, so it is left for the next look."""
    if not path.exists():
        return []
    text = path.read_text()
    complete = text[: text.rfind("\n") + 1]
    return [json.loads(line) for line in complete.splitlines() if line.strip()]


def wait_for(condition: Callable[[], bool], timeout: float = 20.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def create_stream_table(dynamodb: Any, name: str) -> None:
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )


def put(dynamodb: Any, table: str, key: str, **attributes: str) -> None:
    item = {"pk": {"S": key}, **{name: {"S": value} for name, value in attributes.items()}}
    dynamodb.put_item(TableName=table, Item=item)


def values(entries: list[dict[str, Any]], attribute: str = "pk") -> list[list[str]]:
    return [[r["dynamodb"]["NewImage"][attribute]["S"] for r in entry["event"]["Records"]] for entry in entries]


def client(server: ServerProcess, service: str = "dynamodb") -> Any:
    return make_client(service, server.endpoint)


def flatten(lists: Iterable[list[Any]]) -> list[Any]:
    return list(itertools.chain.from_iterable(lists))
