"""Errors the stream consumer library raises to its users (the lead may fold them into shardline.errors)."""

from __future__ import annotations

from shardline.errors import ShardlineError


class ConsumerError(ShardlineError):
    """Base of the consumer library's own errors; AWS errors arrive as botocore's ClientError."""


class StreamNotFoundError(ConsumerError):
    """The table has no stream enabled, or the stream named by its ARN does not exist."""


class LeaseLostError(ConsumerError):
    """The worker no longer owns the shard's lease (another worker took it, or it expired): the checkpoint was
    not stored, and the processor will get lease_lost()."""


class InvalidCheckpointError(ConsumerError, ValueError):
    """A checkpoint beyond the last record handed over, behind the stored one, or not a sequence number."""


class ShutdownCheckpointError(ConsumerError):
    """checkpoint() was called after the shard consumer finished (the checkpointer is no longer valid)."""
