"""`shardline shards split TABLE`: asks a running server to split the open shards of a table's stream."""

from __future__ import annotations

import sys
import urllib.error
import urllib.request

import click
import orjson

DEFAULT_ENDPOINT = "http://127.0.0.1:8000"


@click.group()
def shards() -> None:
    """Controls over the stream shards of a running shardline server."""


@shards.command()
@click.argument("table")
@click.option(
    "--endpoint-url", default=DEFAULT_ENDPOINT, show_default=True, help="The running shardline server."
)
def split(table: str, endpoint_url: str) -> None:
    """Split every open shard of TABLE's stream in two (parents close, children list ParentShardId), as AWS
    does under load: a way to test consumers against resharding."""
    request = urllib.request.Request(
        endpoint_url.rstrip("/") + "/-/shards/split",
        data=orjson.dumps({"TableName": table}),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            result = orjson.loads(response.read())
    except urllib.error.HTTPError as error:
        payload = error.read()
        try:
            message = orjson.loads(payload).get("message", payload.decode(errors="replace"))
        except orjson.JSONDecodeError:
            message = payload.decode(errors="replace")
        click.echo(f"shardline: {message}", err=True)
        sys.exit(1)
    except (urllib.error.URLError, OSError) as error:
        click.echo(f"shardline: cannot reach {endpoint_url}: {error}", err=True)
        sys.exit(1)
    click.echo(f"{result['StreamArn']}: {len(result['Shards'])} new shards")
    for shard in result["Shards"]:
        click.echo(f"  {shard['ShardId']}  (parent {shard.get('ParentShardId', '-')})")
