"""StreamConsumer, the library's front door: builds the clients, finds the stream, creates the lease table and
runs the scheduler until stop() or SIGTERM."""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import uuid
from collections.abc import Callable
from types import FrameType
from typing import Any

from botocore.exceptions import ClientError

from shardline.clock import Clock, SystemClock
from shardline.consumer.config import ConsumerConfig
from shardline.consumer.errors import StreamNotFoundError
from shardline.consumer.lease_taker import LeaseTaker
from shardline.consumer.leases import LeaseTable
from shardline.consumer.processor import RecordProcessor
from shardline.consumer.retrieval import TrimmedData
from shardline.consumer.scheduler import Scheduler
from shardline.consumer.shard_consumer import ConsumerContext
from shardline.consumer.shard_sync import ShardSyncer

log = logging.getLogger("shardline.consumer")

# Shard threads share one client per service; botocore's default pool of 10 connections would be too small.
CONNECTION_POOL_SIZE = 64


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def build_client(service: str, endpoint_url: str | None, region_name: str | None) -> Any:
    """A botocore client resolved the usual way (environment, config files, instance roles). Without an
    endpoint_url botocore picks AWS's endpoint itself, including the account-based DynamoDB endpoints."""
    import botocore.session
    from botocore.config import Config

    session = botocore.session.get_session()
    arguments: dict[str, Any] = {
        "endpoint_url": endpoint_url,
        "region_name": region_name,
        "config": Config(retries={"mode": "standard"}, max_pool_connections=CONNECTION_POOL_SIZE),
    }
    if endpoint_url is not None:
        # A local server (shardline, DynamoDB Local) needs a region and some credentials, never real ones.
        if region_name is None and session.get_config_variable("region") is None:
            arguments["region_name"] = "us-east-1"
        if session.get_credentials() is None:
            arguments["aws_access_key_id"] = "local"
            arguments["aws_secret_access_key"] = "local"
    return session.create_client(service, **arguments)


class StreamConsumer:
    """Processes a DynamoDB stream with any number of cooperating workers (processes or machines) that share
    the shards through leases in a DynamoDB table named after the application."""

    def __init__(
        self,
        table_name: str | None = None,
        *,
        application_name: str,
        processor_factory: Callable[[], RecordProcessor],
        endpoint_url: str | None = None,
        region_name: str | None = None,
        worker_id: str | None = None,
        stream_arn: str | None = None,
        dynamodb_client: Any = None,
        streams_client: Any = None,
        config: ConsumerConfig | None = None,
        on_trimmed_data: Callable[[TrimmedData], None] | None = None,
        clock: Clock | None = None,
    ) -> None:
        if (table_name is None) == (stream_arn is None):
            raise ValueError("give exactly one of table_name and stream_arn")
        if not application_name:
            raise ValueError("application_name names the lease table and must not be empty")
        self.table_name = table_name
        self.application_name = application_name
        self.worker_id = worker_id or default_worker_id()
        self.config = config or ConsumerConfig()
        self._stream_arn = stream_arn
        self._processor_factory = processor_factory
        self._dynamodb = dynamodb_client or build_client("dynamodb", endpoint_url, region_name)
        self._streams = streams_client or build_client("dynamodbstreams", endpoint_url, region_name)
        self._on_trimmed = on_trimmed_data or (lambda event: None)
        self._clock = clock or SystemClock()
        self._stop = threading.Event()
        self._scheduler: Scheduler | None = None

    @property
    def lease_table_name(self) -> str:
        return self.application_name

    def stream_arn(self) -> str:
        """The stream read: the given ARN, or the table's latest stream."""
        if self._stream_arn is None:
            assert self.table_name is not None
            description = self._dynamodb.describe_table(TableName=self.table_name)["Table"]
            arn = description.get("LatestStreamArn")
            if not arn or not description.get("StreamSpecification", {}).get("StreamEnabled", False):
                raise StreamNotFoundError(f"table {self.table_name} has no stream enabled")
            self._stream_arn = str(arn)
        return self._stream_arn

    def held_shards(self) -> list[str]:
        """Shards this worker holds leases on right now."""
        return [] if self._scheduler is None else self._scheduler.held_shards()

    def stop(self) -> None:
        """Makes run() return: processors get shutdown_requested(), then every lease is released. Safe to call
        from any thread or a signal handler."""
        self._stop.set()

    def run(self) -> None:
        """Blocks until stop() (or SIGTERM / Ctrl-C when run on the main thread)."""
        restore = self._install_signal_handler()
        try:
            scheduler = self._prepare()
            if scheduler is None:
                return
            log.info("worker %s consuming %s with lease table %s", self.worker_id, self._stream_arn,
                     self.lease_table_name)
            try:
                while not self._stop.is_set():
                    scheduler.run_once()
                    self._stop.wait(scheduler.seconds_until_due())
            except KeyboardInterrupt:
                log.info("interrupted: stopping")
            finally:
                scheduler.shutdown()
        finally:
            restore()

    def _prepare(self) -> Scheduler | None:
        table = LeaseTable(self._dynamodb, self.lease_table_name)
        table.ensure_exists(self.config.lease_table_billing_mode, self._stop.wait)
        if self._stop.is_set():
            return None
        try:
            arn = self.stream_arn()
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                raise StreamNotFoundError(f"table {self.table_name} does not exist") from error
            raise
        context = ConsumerContext(
            table=table, streams=self._streams, stream_arn=arn, config=self.config,
            processor_factory=self._processor_factory, on_trimmed=self._on_trimmed,
        )
        syncer = ShardSyncer(self._streams, arn, table, self.config.initial_position)
        taker = LeaseTaker(table, self.worker_id, self.config, self._clock)
        self._scheduler = Scheduler(self.worker_id, context, syncer, taker, self._clock)
        return self._scheduler

    def _install_signal_handler(self) -> Callable[[], None]:
        if threading.current_thread() is not threading.main_thread():
            return lambda: None
        previous = signal.getsignal(signal.SIGTERM)

        def on_sigterm(signum: int, frame: FrameType | None) -> None:
            log.info("SIGTERM: stopping")
            self.stop()

        signal.signal(signal.SIGTERM, on_sigterm)

        def restore() -> None:
            signal.signal(signal.SIGTERM, previous)

        return restore
