"""Optional reader throttling (--stream-throttling): a token bucket per shard for GetRecords.

AWS asks for at most two concurrent readers per shard and throttles beyond that. A reader polls a few times
a second at most (Lambda polls 4 times a second), so the bucket refills at READS_PER_SECOND (two readers at
five polls a second each) with a burst of the same size; a consumer that polls in a tight loop, or three
readers on one shard, get LimitExceededException and must back off.
"""

from __future__ import annotations

import threading

from shardline.errors import LimitExceededException

READS_PER_SECOND = 10.0
BURST = 10.0


class ShardThrottle:
    def __init__(self, rate: float = READS_PER_SECOND, burst: float = BURST) -> None:
        self._rate = rate
        self._burst = burst
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, stream_arn: str, shard_id: str, now: float) -> None:
        """Spends one read of the shard, or raises LimitExceededException when its budget is used up."""
        key = (stream_arn, shard_id)
        with self._lock:
            tokens, stamp = self._buckets.get(key, (self._burst, now))
            tokens = min(self._burst, tokens + max(0.0, now - stamp) * self._rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                raise LimitExceededException(
                    f"Rate exceeded for shard {shard_id} in stream {stream_arn}: at most two processes "
                    "should read from a shard at the same time."
                )
            self._buckets[key] = (tokens - 1.0, now)
            if len(self._buckets) > 100_000:  # forget idle shards rather than grow without bound
                self._buckets.clear()


# One per server process: GetRecords requests of every connection share the shards' budgets.
SHARED_THROTTLE = ShardThrottle()
