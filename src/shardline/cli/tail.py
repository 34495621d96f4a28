"""`shardline tail TABLE`: follows a table's stream through the public Streams API (so it works against AWS as
well), shard by shard in lineage order (a child only after its parent is read to the end)."""

from __future__ import annotations

import sys
import time
from datetime import datetime
from typing import Any

import click
import orjson

POLL_SECONDS = 0.25
DESCRIBE_SECONDS = 1.0


def _client(service: str, endpoint_url: str | None, region: str | None) -> Any:
    # imported here so that `shardline --help` stays fast; with --endpoint-url and no AWS configuration at all
    # (a new user's machine) it falls back to us-east-1 and placeholder keys, which a local server accepts
    from shardline.consumer.stream_consumer import build_client

    return build_client(service, endpoint_url, region)


def _plain(value: Any) -> Any:
    """botocore's parsed record made JSON-ready: timestamps back to epoch seconds."""
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, dict):
        return {key: _plain(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_plain(inner) for inner in value]
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return value


def _attributes(item: dict[str, Any]) -> str:
    shown = []
    for name, value in item.items():
        kind, content = next(iter(value.items()))
        shown.append(f"{name}={content if kind in ('S', 'N') else orjson.dumps(_plain(content)).decode()}")
    return " ".join(shown)


_COLOURS = {"INSERT": "green", "MODIFY": "yellow", "REMOVE": "red"}


def format_record(record: dict[str, Any], colour: bool) -> str:
    change = record["dynamodb"]
    stamp = _plain(change.get("ApproximateCreationDateTime"))
    when = datetime.fromtimestamp(float(stamp)).strftime("%H:%M:%S") if stamp is not None else "--:--:--"
    name = record["eventName"]
    label = click.style(f"{name:<6}", fg=_COLOURS.get(name), bold=True) if colour else f"{name:<6}"
    line = f"{when} {label} {_attributes(change.get('Keys', {}))}"
    if "OldImage" in change:
        line += f"\n    old: {_attributes(change['OldImage'])}"
    if "NewImage" in change:
        line += f"\n    new: {_attributes(change['NewImage'])}"
    return line


class StreamFollower:
    """Per-shard positions over one stream: which shards are done, which are being read and where."""

    def __init__(self, streams: Any, arn: str, start: str) -> None:
        self._streams = streams
        self._arn = arn
        self._start = start
        self._iterators: dict[str, str | None] = {}  # shard -> iterator; None once the shard is finished
        self._last_sequence: dict[str, str] = {}
        self._first_listing = True

    def _list_shards(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        arguments: dict[str, Any] = {"StreamArn": self._arn}
        while True:
            description = self._streams.describe_stream(**arguments)["StreamDescription"]
            found.extend(description["Shards"])
            last = description.get("LastEvaluatedShardId")
            if not last:
                return found
            arguments["ExclusiveStartShardId"] = last

    def refresh(self) -> None:
        shards = self._list_shards()
        known = {shard["ShardId"] for shard in shards}
        for shard in shards:
            shard_id = shard["ShardId"]
            if shard_id in self._iterators:
                continue
            parent = shard.get("ParentShardId")
            if parent is not None and parent in known and self._iterators.get(parent, "") is not None:
                continue  # lineage order: wait until the parent is read to its end
            closed = "EndingSequenceNumber" in shard["SequenceNumberRange"]
            if self._first_listing and self._start == "LATEST":
                if closed:
                    self._iterators[shard_id] = None
                    continue
                kind = "LATEST"
            else:
                kind = "TRIM_HORIZON"
            self._iterators[shard_id] = self._iterator(shard_id, kind)
        self._first_listing = False

    def _iterator(self, shard_id: str, kind: str, sequence: str | None = None) -> str | None:
        arguments: dict[str, Any] = {"StreamArn": self._arn, "ShardId": shard_id, "ShardIteratorType": kind}
        if sequence is not None:
            arguments["SequenceNumber"] = sequence
        try:
            return str(self._streams.get_shard_iterator(**arguments)["ShardIterator"])
        except self._streams.exceptions.ResourceNotFoundException:
            return None  # the shard expired: nothing left to read

    def poll(self) -> list[dict[str, Any]]:
        """One GetRecords per shard being read; the records in shard order."""
        records: list[dict[str, Any]] = []
        errors = self._streams.exceptions
        for shard_id, iterator in list(self._iterators.items()):
            if iterator is None:
                continue
            try:
                page = self._streams.get_records(ShardIterator=iterator)
            except errors.ExpiredIteratorException:
                last = self._last_sequence.get(shard_id)
                kind = "TRIM_HORIZON" if last is None else "AFTER_SEQUENCE_NUMBER"
                self._iterators[shard_id] = self._iterator(shard_id, kind, last)
                continue
            except errors.TrimmedDataAccessException:
                self._iterators[shard_id] = self._iterator(shard_id, "TRIM_HORIZON")
                continue
            except errors.LimitExceededException:
                time.sleep(POLL_SECONDS)
                continue
            for record in page["Records"]:
                self._last_sequence[shard_id] = record["dynamodb"]["SequenceNumber"]
                records.append(record)
            self._iterators[shard_id] = page.get("NextShardIterator")
        return records


@click.command()
@click.argument("table")
@click.option(
    "--from", "start", type=click.Choice(["trim-horizon", "latest"]), default="latest", show_default=True,
    help="Start with the oldest records kept, or with new ones only.",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print each record as one line of JSON, as GetRecords returns it."
)
@click.option("--endpoint-url", default=None, help="Server to read from (default: AWS, as configured for botocore).")
@click.option(
    "--region", default=None,
    help="Region (default: as configured for botocore; us-east-1 with --endpoint-url if none is configured).",
)
@click.option("--max-records", type=click.IntRange(min=1), default=None, help="Stop after this many records.")
def tail(
    table: str, start: str, as_json: bool, endpoint_url: str | None, region: str | None, max_records: int | None
) -> None:
    """Follow TABLE's stream and print its records as they arrive (colour on a terminal), until Ctrl-C."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        dynamodb = _client("dynamodb", endpoint_url, region)
        streams = _client("dynamodbstreams", endpoint_url, region)
        arn = dynamodb.describe_table(TableName=table)["Table"].get("LatestStreamArn")
        if not arn:
            click.echo(f"shardline: table {table} has no stream", err=True)
            sys.exit(1)
        follower = StreamFollower(streams, arn, start.upper().replace("-", "_"))
        colour = not as_json and sys.stdout.isatty()
        printed = 0
        described_at = 0.0
        while True:
            if time.monotonic() - described_at >= DESCRIBE_SECONDS:
                follower.refresh()
                described_at = time.monotonic()
            records = follower.poll()
            for record in records:
                click.echo(orjson.dumps(_plain(record)).decode() if as_json else format_record(record, colour))
                printed += 1
                if max_records is not None and printed >= max_records:
                    return
            if not records:
                time.sleep(POLL_SECONDS)
    except KeyboardInterrupt:
        return
    except (BotoCoreError, ClientError) as error:
        click.echo(f"shardline: {error}", err=True)
        sys.exit(1)
