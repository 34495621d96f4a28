"""The `shardline` command line (also `python -m shardline`)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from shardline import __version__
from shardline.cli.consume import consume
from shardline.cli.shards import shards
from shardline.cli.tail import tail
from shardline.cli.triggers import triggers
from shardline.credentials import CredentialsFileError
from shardline.errors import StorageError
from shardline.settings import DEFAULT_REQUEST_TIMEOUT_SECONDS, Settings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="shardline", message="%(prog)s %(version)s")
def main() -> None:
    """shardline: a DynamoDB-compatible server built around DynamoDB Streams."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
    help="TCP port; 0 picks a free one (the ready line shows which).",
)
@click.option(
    "--data-dir", default=Path("./data"), show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory holding the SQLite database (shardline.db); created if missing.",
)
@click.option("--in-memory", is_flag=True, help="Keep all data in memory; nothing is written to disk.")
@click.option(
    "--postgres", "postgres_url", default=None, metavar="URL",
    help="Keep all data in this PostgreSQL database (postgresql://user@host:port/db) instead of SQLite; "
    "several shardline processes can share one database. Needs the `postgres` extra (psycopg).",
)
@click.option(
    "--region", default="us-east-1", show_default=True, help="AWS region reported in ARNs and endpoints."
)
@click.option(
    "--relaxed-durability", is_flag=True,
    help="Faster writes for throwaway runs: SQLite synchronous=NORMAL, so an acknowledged write survives "
    "a crash of shardline but may be lost on power failure or OS crash.",
)
@click.option(
    "--shard-rollover-seconds", default=14_400.0, show_default=True, type=click.FloatRange(min=0, min_open=True),
    help="Every open stream shard closes and continues in a child shard after this long (AWS: about 4 hours).",
)
@click.option(
    "--stream-retention-seconds", default=86_400.0, show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Stream records older than this are trimmed; disabled streams disappear this long after disable.",
)
@click.option(
    "--iterator-ttl-seconds", default=900.0, show_default=True, type=click.FloatRange(min=0, min_open=True),
    help="Shard iterators expire this long after they are issued (ExpiredIteratorException).",
)
@click.option(
    "--stream-throttling", is_flag=True,
    help="Throttle GetRecords beyond about two readers per shard with LimitExceededException, as AWS may.",
)
@click.option(
    "--stream-partitions", default=4, show_default=True, type=click.IntRange(1, 1024),
    help="Partitions (and so open shards) of a new stream; a new on-demand AWS table shows 4.",
)
@click.option(
    "--partition-split-bytes", default=10 * 1024**3, show_default=True, type=click.IntRange(min=1),
    help="A partition splits in two once its open shard has taken this many bytes of stream records.",
)
@click.option(
    "--auth", "auth_file", default=None, type=click.Path(dir_okay=False, path_type=Path),
    help="Verify the SigV4 signature of every request against the access keys in FILE (lines "
    "ACCESS_KEY_ID:SECRET_ACCESS_KEY); without it, any well-formed credentials are accepted.",
)
@click.option(
    "--triggers", "triggers_file", default=None, type=click.Path(dir_okay=False, path_type=Path),
    help="Run the Lambda event source mappings of this YAML file (EventSourceMappings:) against the "
    "server's streams; handlers import from the working directory and the file's folder.",
)
@click.option(
    "--trigger-lease-seconds", default=10.0, show_default=True, type=click.FloatRange(min=1.0),
    help="How long a process's lease on a trigger mapping lasts; with several processes on one PostgreSQL "
    "database, another takes a dead process's mappings over after this long.",
)
@click.option(
    "--request-timeout-seconds", default=DEFAULT_REQUEST_TIMEOUT_SECONDS, show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="A request must arrive whole within this long of its first byte, or its connection is closed "
    "without an answer (a client that stalls mid-request cannot hold a connection forever).",
)
def serve(
    host: str, port: int, data_dir: Path, in_memory: bool, postgres_url: str | None, region: str,
    relaxed_durability: bool,
    shard_rollover_seconds: float, stream_retention_seconds: float, iterator_ttl_seconds: float,
    stream_throttling: bool, stream_partitions: int, partition_split_bytes: int, auth_file: Path | None,
    triggers_file: Path | None, trigger_lease_seconds: float, request_timeout_seconds: float,
) -> None:
    """Run the DynamoDB-compatible server until SIGTERM or Ctrl-C.

    Prints one line, "shardline listening on http://HOST:PORT", once it accepts requests.
    """
    # Imported here so that `shardline --help` stays fast and never touches the HTTP server or SQLite.
    from shardline.server import run
    from shardline.triggers.triggers_file import TriggersFileError

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings(
        host=host, port=port, data_dir=data_dir, in_memory=in_memory, postgres_url=postgres_url, region=region,
        relaxed_durability=relaxed_durability,
        shard_rollover_seconds=shard_rollover_seconds,
        stream_retention_seconds=stream_retention_seconds,
        iterator_ttl_seconds=iterator_ttl_seconds,
        stream_throttling=stream_throttling,
        stream_partitions=stream_partitions,
        partition_split_bytes=partition_split_bytes,
        auth_file=auth_file,
        triggers_file=triggers_file,
        trigger_lease_seconds=trigger_lease_seconds,
        request_timeout_seconds=request_timeout_seconds,
    )
    try:
        code = run(settings)
    except (StorageError, CredentialsFileError, TriggersFileError, OSError) as error:  # no data dir, store, file
        click.echo(f"shardline: {error}", err=True)
        sys.exit(1)
    sys.exit(code)


main.add_command(shards)
main.add_command(tail)
main.add_command(consume)
main.add_command(triggers)
