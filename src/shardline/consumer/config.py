"""Settings of a StreamConsumer: lease timing, polling, retrieval and the starting position (KCL's defaults)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class InitialPosition(StrEnum):
    """Where a new application starts reading shards that have no lease yet."""

    TRIM_HORIZON = "TRIM_HORIZON"  # everything the stream still holds
    LATEST = "LATEST"  # only records written after the first start


@dataclass(frozen=True)
class ConsumerConfig:
    # A lease whose counter has not moved for this long belongs to a dead worker and may be taken (KCL: 10 s).
    failover_seconds: float = 10.0
    # How often a worker renews its leases; must be well below failover_seconds (KCL: failover / 3).
    lease_renewal_seconds: float | None = None
    # How often a worker looks for expired or unbalanced leases to take.
    lease_taking_seconds: float | None = None
    # How often DescribeStream is read to find new shards (KCL: 60 s; children show up within this).
    shard_sync_seconds: float = 10.0
    # Pause after a GetRecords call that returned nothing (KCL idleTimeBetweenReads: 1 s).
    poll_seconds: float = 1.0
    # Records per GetRecords call (the API allows 1..1000).
    max_records: int = 1000
    initial_position: InitialPosition = InitialPosition.TRIM_HORIZON
    # None: a fair share, however many shards there are.
    max_leases_per_worker: int | None = None
    # Leases stolen from an overloaded worker per taking round; small values avoid churn.
    max_leases_to_steal: int = 1
    # Back-off after throttling or a failed call: doubles from the first value up to the second.
    backoff_seconds: float = 0.2
    max_backoff_seconds: float = 5.0
    # Records are handed over with Keys/NewImage/OldImage as plain Python values instead of AttributeValues.
    deserialize_images: bool = False
    # How long stop() waits for processors to finish shutdown_requested before returning anyway.
    shutdown_timeout_seconds: float = 30.0
    # Lease table billing (created on first use, as KCL does).
    lease_table_billing_mode: str = "PAY_PER_REQUEST"

    def __post_init__(self) -> None:
        if self.failover_seconds <= 0:
            raise ValueError("failover_seconds must be positive")
        if not 1 <= self.max_records <= 1000:
            raise ValueError("max_records must be between 1 and 1000")
        if self.renewal_seconds >= self.failover_seconds:
            raise ValueError("lease_renewal_seconds must be shorter than failover_seconds")
        for name in ("shard_sync_seconds", "poll_seconds", "backoff_seconds", "max_backoff_seconds"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        if self.max_leases_to_steal < 0:
            raise ValueError("max_leases_to_steal must not be negative")

    @property
    def renewal_seconds(self) -> float:
        if self.lease_renewal_seconds is not None:
            return self.lease_renewal_seconds
        return self.failover_seconds / 3

    @property
    def taking_seconds(self) -> float:
        if self.lease_taking_seconds is not None:
            return self.lease_taking_seconds
        return self.failover_seconds / 4
