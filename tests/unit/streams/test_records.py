"""Stream records: event names, images per view type, SizeBytes, the no-op rule and the wire shape."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from shardline.streams.records import encode_change, event_id, event_id_key, items_equal, wire_record

KEY = event_id_key(b"a store's secret")

CASES = json.loads((Path(__file__).parent / "cases" / "stream_records.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES["records"], ids=[c["name"] for c in CASES["records"]])
def test_record_images_and_size(case: dict[str, Any]) -> None:
    body = encode_change(
        key_names=case["keys"], view_type=case["view"], old=case["old"], new=case["new"], now=1_700_000_000.9
    )
    record = wire_record(body, shard_no=3, sequence=7, view_type=case["view"], region="eu-west-1", id_key=KEY)
    change = record["dynamodb"]
    assert record["eventName"] == case["event"]
    assert sorted(k for k in change if k.endswith("Image")) == sorted(case["images"])
    source = case["new"] if case["new"] is not None else case["old"]
    assert change["Keys"] == {name: source[name] for name in case["keys"]}
    if "NewImage" in change:
        assert change["NewImage"] == case["new"]
    if "OldImage" in change:
        assert change["OldImage"] == case["old"]
    assert change["StreamViewType"] == case["view"]
    assert change["SizeBytes"] == case["size"]


def test_wire_record_fields() -> None:
    body = encode_change(
        key_names=["id"], view_type="NEW_IMAGE", old=None, new={"id": {"S": "x"}}, now=1_700_000_000.9
    )
    record = wire_record(body, shard_no=1, sequence=5, view_type="NEW_IMAGE", region="eu-west-1", id_key=KEY)
    assert record["eventVersion"] == "1.1"
    assert record["eventSource"] == "aws:dynamodb"
    assert record["awsRegion"] == "eu-west-1"
    assert "userIdentity" not in record
    # GetRecords rounds the creation time down to the second
    assert record["dynamodb"]["ApproximateCreationDateTime"] == 1_700_000_000
    assert record["dynamodb"]["SequenceNumber"] == "100000000000000000005"
    assert re.fullmatch(r"[0-9a-f]{32}", record["eventID"])


def test_user_identity_is_carried() -> None:
    identity = {"PrincipalId": "dynamodb.amazonaws.com", "Type": "Service"}
    body = encode_change(
        key_names=["id"], view_type="KEYS_ONLY", old={"id": {"S": "x"}}, new=None, now=1.0, user_identity=identity
    )
    record = wire_record(body, shard_no=1, sequence=1, view_type="KEYS_ONLY", region="us-east-1", id_key=KEY)
    assert record["userIdentity"] == identity


def test_event_ids_differ_per_record_and_are_stable() -> None:
    assert event_id(1, 1, KEY) == event_id(1, 1, KEY)
    assert len({event_id(1, 1, KEY), event_id(1, 2, KEY), event_id(2, 1, KEY)}) == 3


def test_two_stores_never_share_an_event_id() -> None:
    # AWS's eventIDs are unique; two fresh stores number their first records alike, so the id must differ.
    other = event_id_key(b"another store's secret")
    assert event_id(1, 1, KEY) != event_id(1, 1, other)


@pytest.mark.parametrize("case", CASES["unchanged"], ids=[c["name"] for c in CASES["unchanged"]])
def test_writes_that_change_nothing(case: dict[str, Any]) -> None:
    assert items_equal(case["old"], case["new"])


@pytest.mark.parametrize("case", CASES["changed"], ids=[c["name"] for c in CASES["changed"]])
def test_writes_that_change_something(case: dict[str, Any]) -> None:
    assert not items_equal(case["old"], case["new"])
