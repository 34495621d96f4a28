"""`shardline consume TABLE --application-name APP --processor module:Class`: runs one stream consumer worker
(shardline.consumer) until SIGTERM or Ctrl-C; start more processes to share the shards."""

from __future__ import annotations

import importlib
import logging
import os
import sys
from typing import Any

import click

LOG_LEVELS = ("debug", "info", "warning", "error")


def load_processor(spec: str) -> Any:
    """`package.module:Class` to the class (any callable returning a RecordProcessor); the working directory is
    importable, as for `python -m`."""
    module_name, separator, attribute = spec.partition(":")
    if not separator or not module_name or not attribute:
        raise click.BadParameter(f"expected package.module:Class, got {spec!r}", param_hint="--processor")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise click.BadParameter(f"cannot import {module_name}: {error}", param_hint="--processor") from error
    target: Any = module
    for part in attribute.split("."):
        if not hasattr(target, part):
            raise click.BadParameter(f"{module_name} has no attribute {attribute}", param_hint="--processor")
        target = getattr(target, part)
    if not callable(target):
        raise click.BadParameter(f"{spec} is not callable", param_hint="--processor")
    return target


@click.command()
@click.argument("table")
@click.option("--application-name", required=True, help="Names the consumer group and its lease table.")
@click.option("--processor", "processor_spec", required=True, metavar="MODULE:CLASS",
              help="RecordProcessor subclass to run for each shard, e.g. billing.processor:Billing.")
@click.option("--endpoint-url", default=None, help="Server to read from (default: AWS, as configured for botocore).")
@click.option("--region", default=None, help="Region (default: as configured for botocore).")
@click.option("--worker-id", default=None, help="This worker's name in the lease table (default: host:pid:random).")
@click.option("--failover-seconds", type=click.FloatRange(min=0, min_open=True), default=10.0, show_default=True,
              help="A lease not renewed for this long is taken over by another worker.")
@click.option("--poll-seconds", type=click.FloatRange(min=0, min_open=True), default=1.0, show_default=True,
              help="Pause after a GetRecords call that returned nothing.")
@click.option("--shard-sync-seconds", type=click.FloatRange(min=0, min_open=True), default=10.0, show_default=True,
              help="How often the stream is checked for new shards.")
@click.option("--initial-position", type=click.Choice(["trim-horizon", "latest"]), default="trim-horizon",
              show_default=True, help="Where a new application starts: the oldest records kept, or new ones only.")
@click.option("--deserialize", is_flag=True, help="Hand images to the processor as plain Python values.")
@click.option("--log-level", type=click.Choice(LOG_LEVELS), default="info", show_default=True)
def consume(
    table: str, application_name: str, processor_spec: str, endpoint_url: str | None, region: str | None,
    worker_id: str | None, failover_seconds: float, poll_seconds: float, shard_sync_seconds: float,
    initial_position: str, deserialize: bool, log_level: str,
) -> None:
    """Process TABLE's stream with a RecordProcessor, sharing its shards with every other worker of the same
    application through leases; runs until SIGTERM or Ctrl-C, then checkpoints and hands its leases over."""
    from botocore.exceptions import BotoCoreError, ClientError

    from shardline.consumer import ConsumerConfig, ConsumerError, InitialPosition, StreamConsumer

    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    processor_factory = load_processor(processor_spec)
    try:
        config = ConsumerConfig(
            failover_seconds=failover_seconds, poll_seconds=poll_seconds, shard_sync_seconds=shard_sync_seconds,
            initial_position=InitialPosition(initial_position.upper().replace("-", "_")),
            deserialize_images=deserialize,
        )
        consumer = StreamConsumer(
            table, application_name=application_name, processor_factory=processor_factory,
            endpoint_url=endpoint_url, region_name=region, worker_id=worker_id, config=config,
        )
        consumer.run()
    except (ConsumerError, ValueError, BotoCoreError, ClientError) as error:
        click.echo(f"shardline: {error}", err=True)
        sys.exit(1)
