"""GetRecords splices each record's JSON from the stored pieces; it must be exactly the text of the record
as a document (orjson.dumps of wire_record), for every event, view type, identity and body layout."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from shardline.streams.records import encode_change, event_id_key, wire_record, wire_record_json
from shardline.values.types import Item

KEY = event_id_key(b"a store's secret")

OLD: Item = {"id": {"S": "a\nb\"c"}, "v": {"N": "1"}, "m": {"M": {"x": {"L": [{"NULL": True}, {"B": "AAE="}]}}}}
NEW: Item = {"id": {"S": "a\nb\"c"}, "v": {"N": "2"}, "s": {"SS": ["é", "日本"]}}
IDENTITY = {"PrincipalId": "dynamodb.amazonaws.com", "Type": "Service"}
VIEWS = ("KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES")
CHANGES = (("insert", None, NEW), ("modify", OLD, NEW), ("remove", OLD, None))


@pytest.mark.parametrize("view_type", VIEWS)
@pytest.mark.parametrize(("name", "old", "new"), CHANGES, ids=[change[0] for change in CHANGES])
@pytest.mark.parametrize("identity", [None, IDENTITY], ids=["plain", "identity"])
def test_spliced_json_is_the_record_as_a_document(
    view_type: str, name: str, old: Item | None, new: Item | None, identity: dict[str, str] | None
) -> None:
    body = encode_change(key_names=["id"], view_type=view_type, old=old, new=new, now=1_700_000_000.7,
                         user_identity=identity)
    for region in ("eu-west-1", 'odd"region'):
        record = wire_record(body, shard_no=12, sequence=345, view_type=view_type, region=region, id_key=KEY)
        text = wire_record_json(body, shard_no=12, sequence=345, view_type=view_type,
                                region_json=orjson.dumps(region), id_key=KEY)
        assert text == orjson.dumps(record)
        parsed: dict[str, Any] = orjson.loads(text)
        assert parsed["eventName"] == {"insert": "INSERT", "modify": "MODIFY", "remove": "REMOVE"}[name]
        assert parsed["dynamodb"]["SequenceNumber"] == "100000000000000000345"


def test_a_body_of_the_older_layout_gives_the_same_text() -> None:
    body = orjson.dumps({"e": "MODIFY", "t": 5, "k": {"id": {"S": "x"}}, "n": {"id": {"S": "x"}},
                         "u": IDENTITY})
    record = wire_record(body, shard_no=1, sequence=2, view_type="NEW_IMAGE", region="us-east-1", id_key=KEY)
    assert record["dynamodb"]["SizeBytes"] == 6
    text = wire_record_json(body, shard_no=1, sequence=2, view_type="NEW_IMAGE", region_json=b'"us-east-1"', id_key=KEY)
    assert text == orjson.dumps(record)
