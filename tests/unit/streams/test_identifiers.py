"""Sequence numbers, stream ARNs and shard ids in AWS's formats."""

from __future__ import annotations

import itertools
import re

import pytest

from shardline.errors import ValidationException
from shardline.streams.arns import is_shard_id, parse_stream_arn, shard_id, stream_arn
from shardline.streams.sequence_numbers import format_sequence, parse_sequence
from shardline.streams.shards import MAX_HASH, MIN_HASH, partition_ranges


@pytest.mark.parametrize("number", [0, 1, 42, 10**15, 10**19])
def test_sequence_numbers_round_trip_with_aws_length(number: int) -> None:
    text = format_sequence(number)
    assert re.fullmatch(r"\d{21,40}", text)
    assert parse_sequence(text) == number


def test_sequence_numbers_order_as_big_integers() -> None:
    numbers = [format_sequence(n) for n in (1, 9, 10, 999, 1000)]
    assert [int(n) for n in numbers] == sorted(int(n) for n in numbers)


@pytest.mark.parametrize("text", ["abc", "12", "1" * 41, "1234567890123456789O1", "-12345678901234567890"])
def test_malformed_sequence_numbers(text: str) -> None:
    with pytest.raises(ValidationException) as raised:
        parse_sequence(text)
    assert raised.value.message == f"Invalid SequenceNumber: {text}"


def test_stream_arn_round_trip() -> None:
    arn = stream_arn("us-west-2", "111122223333", "Forum", "2015-05-20T20:51:10.252")
    assert arn == "arn:aws:dynamodb:us-west-2:111122223333:table/Forum/stream/2015-05-20T20:51:10.252"
    parsed = parse_stream_arn(arn)
    assert parsed is not None
    assert (parsed.region, parsed.account, parsed.table_name, parsed.label) == (
        "us-west-2", "111122223333", "Forum", "2015-05-20T20:51:10.252"
    )


@pytest.mark.parametrize(
    "text",
    [
        "fake-stream",
        "arn:aws:dynamodb:us-west-2:111122223333:table/Forum",
        "arn:aws:dynamodb:us-west-2:111122223333:table/Forum/stream/latest",
        "arn:aws:kinesis:us-west-2:111122223333:table/Forum/stream/2015-05-20T20:51:10.252",
    ],
)
def test_malformed_stream_arns(text: str) -> None:
    assert parse_stream_arn(text) is None


def test_shard_id_format_and_order() -> None:
    first = shard_id(1414562045.508, "a")
    assert first == f"shardId-00000001414562045508-{first[-8:]}"
    assert is_shard_id(first)
    assert re.fullmatch(r"shardId-\d{20}-[0-9a-f]{8}", first)
    assert shard_id(1414562045.509, "a") > first
    assert shard_id(1414562045.508, "b") != first


@pytest.mark.parametrize("count", [1, 2, 3, 4, 7])
def test_partition_ranges_cover_the_hash_space_without_overlap(count: int) -> None:
    ranges = partition_ranges(count)
    assert len(ranges) == count
    assert ranges[0][0] == MIN_HASH and ranges[-1][1] == MAX_HASH
    for (_, upper), (lower, _) in itertools.pairwise(ranges):
        assert lower == upper + 1
