"""A lease-based DynamoDB Streams consumer (what KCL with the Streams adapter is to Java), on public APIs only.
See docs/consumer.md."""

from shardline.consumer.checkpointer import Checkpointer
from shardline.consumer.config import ConsumerConfig, InitialPosition
from shardline.consumer.deserialize import deserialize_record, python_item, python_value
from shardline.consumer.errors import (
    ConsumerError,
    InvalidCheckpointError,
    LeaseLostError,
    ShutdownCheckpointError,
    StreamNotFoundError,
)
from shardline.consumer.processor import RecordProcessor
from shardline.consumer.retrieval import TrimmedData
from shardline.consumer.stream_consumer import StreamConsumer

__all__ = [
    "Checkpointer",
    "ConsumerConfig",
    "ConsumerError",
    "InitialPosition",
    "InvalidCheckpointError",
    "LeaseLostError",
    "RecordProcessor",
    "ShutdownCheckpointError",
    "StreamConsumer",
    "StreamNotFoundError",
    "TrimmedData",
    "deserialize_record",
    "python_item",
    "python_value",
]
