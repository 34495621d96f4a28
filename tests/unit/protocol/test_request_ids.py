"""Request ids: 52 characters of DynamoDB's alphabet (base32hex, [0-9A-V]), fresh on every call."""

from __future__ import annotations

import re
from collections import Counter

from shardline.protocol.framing import new_request_id


def test_ids_have_dynamodbs_shape() -> None:
    ids = [new_request_id() for _ in range(2000)]
    assert all(re.fullmatch(r"[0-9A-V]{52}", value) for value in ids)
    assert len(set(ids)) == len(ids)


def test_every_character_of_the_alphabet_is_used_evenly() -> None:
    counts = Counter("".join(new_request_id() for _ in range(2000)))
    assert set(counts) == set("0123456789ABCDEFGHIJKLMNOPQRSTUV")
    # 104,000 characters over 32 symbols: 3,250 each on average; a skewed mapping would be far off.
    assert min(counts.values()) > 2800 and max(counts.values()) < 3700
