"""The `shardline` command line (also `python -m shardline`)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from shardline import __version__
from shardline.errors import StorageError
from shardline.settings import Settings


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
    "--region", default="us-east-1", show_default=True, help="AWS region reported in ARNs and endpoints."
)
@click.option(
    "--relaxed-durability", is_flag=True,
    help="Faster writes for throwaway runs: SQLite synchronous=NORMAL, so an acknowledged write survives "
    "a crash of shardline but may be lost on power failure or OS crash.",
)
def serve(
    host: str, port: int, data_dir: Path, in_memory: bool, region: str, relaxed_durability: bool
) -> None:
    """Run the DynamoDB-compatible server until SIGTERM or Ctrl-C.

    Prints one line, "shardline listening on http://HOST:PORT", once it accepts requests.
    """
    # Imported here so that `shardline --help` stays fast and never touches uvicorn or SQLite.
    from shardline.server import run

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings(
        host=host, port=port, data_dir=data_dir, in_memory=in_memory, region=region,
        relaxed_durability=relaxed_durability,
    )
    try:
        code = run(settings)
    except (StorageError, OSError) as error:  # the data dir cannot be created or the store opened
        click.echo(f"shardline: {error}", err=True)
        sys.exit(1)
    sys.exit(code)
