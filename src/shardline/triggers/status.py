"""What a mapping reports about itself: Lambda's State, StateTransitionReason and LastProcessingResult,
with the position and iterator age of each shard and counts of what it did."""

from __future__ import annotations

from dataclasses import dataclass, field

from shardline.triggers.mappings import MappingConfig

NO_RECORDS = "No records processed"
OK = "OK"
FUNCTION_FAILED = "PROBLEM: Function call failed"
USER_ACTION = "User action"


@dataclass(frozen=True)
class ShardStatus:
    shard_id: str
    position: str | None  # the sequence number of the last record done, None before the first
    iterator_age_ms: int  # age of the oldest record waiting to be done (0 when caught up)
    finished: bool = False


@dataclass
class Counters:
    invocations: int = 0
    errors: int = 0
    retries: int = 0
    records_to_failure_destination: int = 0
    records_filtered: int = 0
    records_processed: int = 0


@dataclass(frozen=True)
class TriggerCounters:
    invocations: int
    errors: int
    retries: int
    records_to_failure_destination: int
    records_filtered: int
    records_processed: int


@dataclass(frozen=True)
class MappingStatus:
    config: MappingConfig
    state: str
    state_transition_reason: str
    last_processing_result: str
    last_modified: float
    stream_arn: str | None = None
    shards: tuple[ShardStatus, ...] = ()
    counters: TriggerCounters = field(default_factory=lambda: TriggerCounters(0, 0, 0, 0, 0, 0))


def frozen(counters: Counters) -> TriggerCounters:
    return TriggerCounters(
        counters.invocations, counters.errors, counters.retries, counters.records_to_failure_destination,
        counters.records_filtered, counters.records_processed,
    )
