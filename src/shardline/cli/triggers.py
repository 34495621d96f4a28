"""`shardline triggers`: run a triggers file against any DynamoDB Streams endpoint (`run`), check a triggers
file (`check`), and show what the mappings of a server or of a runner's state file are doing (`status`)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import orjson

from shardline.clock import SystemClock
from shardline.errors import StorageError

DEFAULT_ENDPOINT = "http://127.0.0.1:8000"
MAPPINGS_PATH = "/2015-03-31/event-source-mappings/"


@click.group()
def triggers() -> None:
    """Lambda-style triggers (event source mappings) over DynamoDB streams."""


@triggers.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--endpoint-url", default=None,
    help="DynamoDB endpoint serving the Streams API too (another shardline); omit it for AWS itself.",
)
@click.option(
    "--streams-endpoint-url", default=None,
    help="A separate DynamoDB Streams endpoint, when it differs from --endpoint-url.",
)
@click.option("--region", default=None, help="AWS region (default: the usual AWS configuration, else us-east-1).")
@click.option(
    "--state", default=Path("shardline-triggers.db"), show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite file holding the checkpoints, so a restarted runner resumes where it stopped.",
)
def run(file: Path, endpoint_url: str | None, streams_endpoint_url: str | None, region: str | None,
        state: Path) -> None:
    """Run the mappings of a triggers FILE against any DynamoDB Streams endpoint, through the public Streams
    API only: another shardline, or AWS with your usual credentials. Stops on Ctrl-C or SIGTERM."""
    configs = _load(file)
    try:
        asyncio.run(_run_mappings(file, configs, endpoint_url, streams_endpoint_url, region, state))
    except KeyboardInterrupt:  # a second Ctrl-C while stopping
        sys.exit(130)


@triggers.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def check(file: Path) -> None:
    """Validate a triggers FILE and list its mappings, without running anything."""
    from shardline.triggers.mapping_wire import lambda_function_name

    for config in _load(file):
        source = config.event_source_arn or f"table {config.table_name} (its latest stream)"
        state = "enabled" if config.enabled else "disabled"
        function = f"{lambda_function_name(config)} ({config.function_name})"
        click.echo(f"{config.uuid}  {function}  <-  {source}  [{config.starting_position}, "
                   f"BatchSize {config.batch_size}, {len(config.filter_patterns)} filter(s), {state}]")


@triggers.command()
@click.option("--endpoint-url", default=DEFAULT_ENDPOINT, show_default=True, help="The running shardline server.")
@click.option("--region", default="us-east-1", show_default=True, help="Region used to sign the request.")
@click.option("--json", "as_json", is_flag=True, help="Print Lambda's EventSourceMappingConfiguration list as JSON.")
@click.option(
    "--state", default=None, type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Instead of asking a server, show what a `triggers run` saved in this state file (its status, saved "
    "every second and at shutdown, and its checkpoints).",
)
@click.option("--file", "triggers_file", default=None, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="With --state: show the mappings of this triggers file (default: every mapping with a saved "
              "status).")
def status(endpoint_url: str, region: str, as_json: bool, state: Path | None, triggers_file: Path | None) -> None:
    """Show each mapping of a running server, or of a `triggers run` (--state): State, LastProcessingResult, the
    position and iterator age of every shard, and counts of invocations, errors, retries and records sent to
    the failure destination."""
    if state is not None:
        configs = None if triggers_file is None else _load(triggers_file)
        mappings = asyncio.run(_saved_runner_status(state, configs, region))
    else:
        mappings = _list_mappings(endpoint_url, region)
    if as_json:
        click.echo(orjson.dumps(mappings, option=orjson.OPT_INDENT_2).decode())
        return
    if not mappings:
        click.echo("no event source mappings" if state is None else f"no runner status saved in {state}")
        return
    now = SystemClock().now()
    for mapping in mappings:
        click.echo(format_mapping(mapping, now))


def format_mapping(mapping: dict[str, Any], now: float | None = None) -> str:
    """A mapping from ListEventSourceMappings (or a runner's saved status) as a few readable lines."""
    function = mapping.get("FunctionArn", "").split(":function:", 1)[-1]
    lines = [
        f"{mapping.get('UUID')}  {function}  <-  {mapping.get('EventSourceArn')}",
        f"  state: {mapping.get('State')} ({mapping.get('StateTransitionReason')})  "
        f"last result: {mapping.get('LastProcessingResult')}",
    ]
    extra = mapping.get("ShardlineStatus") or {}
    if "Runner" in extra:
        lines.append("  " + _runner_line(extra, now))
    counters = extra.get("Counters") or {}
    if counters:
        lines.append(
            f"  invocations {counters.get('invocations', 0)}  errors {counters.get('errors', 0)}  "
            f"retries {counters.get('retries', 0)}  "
            f"to failure destination {counters.get('records_to_failure_destination', 0)}  "
            f"filtered out {counters.get('records_filtered', 0)}"
        )
    for shard in extra.get("Shards") or []:
        position = shard.get("Position") or "-"
        age = shard.get("IteratorAgeMilliseconds")
        done = "  (finished)" if shard.get("Finished") else ""
        lines.append(f"  {shard.get('ShardId')}  position {position}  "
                     f"iterator age {'-' if age is None else age} ms{done}")
    return "\n".join(lines)


def _runner_line(extra: dict[str, Any], now: float | None) -> str:
    """When a runner's status was saved, so a stopped or vanished runner's status is recognisable as old."""
    saved_at = extra.get("SavedAt")
    runner = extra.get("Runner")
    if not isinstance(saved_at, int | float):
        return f"runner: {runner} (no status saved yet)"
    stamp = datetime.fromtimestamp(saved_at, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    ago = "" if now is None else f", {max(0.0, now - saved_at):.1f} s ago"
    meaning = {"stopped": " (it shut down)", "silent": " (not saved since: killed or hung?)"}.get(str(runner), "")
    return f"runner: {runner}{meaning}; status saved at {stamp}{ago}"


def _list_mappings(endpoint_url: str, region: str) -> list[dict[str, Any]]:
    mappings: list[dict[str, Any]] = []
    marker: str | None = None
    while True:
        url = endpoint_url.rstrip("/") + MAPPINGS_PATH + (f"?Marker={marker}" if marker else "")
        page = _get_json(url, region)
        mappings.extend(page.get("EventSourceMappings", []))
        marker = page.get("NextMarker")
        if not marker:
            return mappings


def _get_json(url: str, region: str) -> dict[str, Any]:
    request = urllib.request.Request(url, headers=_signed_headers(url, region), method="GET")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            result: dict[str, Any] = orjson.loads(response.read())
            return result
    except urllib.error.HTTPError as error:
        payload = error.read()
        try:
            body = orjson.loads(payload)
            message = body.get("message") or body.get("Message") or payload.decode(errors="replace")
        except orjson.JSONDecodeError:
            message = payload.decode(errors="replace")
        click.echo(f"shardline: {message}", err=True)
    except (urllib.error.URLError, OSError) as error:
        click.echo(f"shardline: cannot reach {url}: {error}", err=True)
    sys.exit(1)


def _signed_headers(url: str, region: str) -> dict[str, str]:
    """SigV4 headers from the usual AWS credential chain (a server run with --auth wants them); none when no
    credentials are configured."""
    import botocore.session  # imported here so that `shardline --help` stays fast
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    credentials = botocore.session.get_session().get_credentials()
    if credentials is None:
        return {}
    request = AWSRequest(method="GET", url=url)
    SigV4Auth(credentials, "lambda", region).add_auth(request)
    return {name: str(value) for name, value in request.headers.items()}


def _load(file: Path) -> list[Any]:
    from shardline.triggers.mappings import load_triggers_file
    from shardline.triggers.triggers_file import TriggersFileError

    try:
        return list(load_triggers_file(file))
    except TriggersFileError as error:
        click.echo(f"shardline: {error}", err=True)
        sys.exit(1)


async def _run_mappings(
    file: Path, configs: list[Any], endpoint_url: str | None, streams_endpoint_url: str | None,
    region: str | None, state: Path,
) -> None:
    import botocore.session

    from shardline.storage.sqlite.backend import SqliteBackend
    from shardline.triggers.checkpoints import CheckpointStore
    from shardline.triggers.runner_status import RunnerStatusRecorder
    from shardline.triggers.runtime import RuntimeOptions, TriggerRuntime
    from shardline.triggers.sources import RemoteStreamSource

    session = botocore.session.get_session()
    chosen_region = region or session.get_config_variable("region") or "us-east-1"
    credentials: dict[str, str] = {}
    if endpoint_url is not None and session.get_credentials() is None:
        # A local endpoint does not check keys, but botocore will not send an unsigned request.
        credentials = {"aws_access_key_id": "shardline", "aws_secret_access_key": "shardline"}
    dynamodb = session.create_client("dynamodb", endpoint_url=endpoint_url, region_name=chosen_region,
                                     **credentials)
    streams = session.create_client("dynamodbstreams", endpoint_url=streams_endpoint_url or endpoint_url,
                                    region_name=chosen_region, **credentials)
    clock = SystemClock()
    state.parent.mkdir(parents=True, exist_ok=True)
    storage = SqliteBackend.open(state)
    working_directory = Path.cwd()
    options = RuntimeOptions(
        region=chosen_region, import_paths=(file.resolve().parent, working_directory),
        working_directory=working_directory,
    )
    runtime = TriggerRuntime(RemoteStreamSource(streams, dynamodb), CheckpointStore(storage, clock), clock, options)
    # The status lives in the state file because `triggers status --state` is another process.
    recorder = RunnerStatusRecorder(runtime, storage, clock, region=chosen_region, account_id=options.account_id,
                                    process_id=options.process_id)
    recording: asyncio.Task[None] | None = None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await runtime.start()
        for config in configs:
            await runtime.add_mapping(config, persist=False)
        recording = asyncio.create_task(recorder.run(), name="trigger-runner-status")
        target = endpoint_url or f"AWS ({chosen_region})"
        click.echo(f"shardline triggers: running {len(configs)} mapping(s) against {target}; "
                   f"checkpoints in {state}", err=True)
        await stop.wait()
    finally:
        if recording is not None:
            recording.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await recording
        try:
            await recorder.stop_and_save(runtime.stop)
        except StorageError as error:  # the status is a convenience; the checkpoints are already saved
            click.echo(f"shardline: cannot save the final runner status: {error}", err=True)
        finally:
            await storage.close()


async def _saved_runner_status(state: Path, configs: list[Any] | None, region: str) -> list[dict[str, Any]]:
    from shardline.storage.sqlite.backend import SqliteBackend
    from shardline.triggers.runner_status import load_runner_state, runner_status_view

    storage = SqliteBackend.open(state)
    try:
        saved = await load_runner_state(storage, None if configs is None else [config.uuid for config in configs])
    finally:
        await storage.close()
    now = SystemClock().now()  # to tell a running runner's status from one it stopped saving
    if configs is None:
        return [runner_status_view(uuid, saved, now) for uuid in sorted(saved.statuses)]
    return [runner_status_view(config.uuid, saved, now, config=config, region=region) for config in configs]
