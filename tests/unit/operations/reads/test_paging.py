"""One page of a Query or Scan: Limit and the 1 MB stop, both before the filter; LastEvaluatedKey; capacity."""

from __future__ import annotations

from collections.abc import Iterator

from shardline.expressions.ast import Comparison, Literal, Path, Projection
from shardline.operations.reads.paging import page_capacity, page_response, read_page
from shardline.operations.reads.read_target import ReadTarget
from shardline.operations.reads.select import OutputPlan
from shardline.operations.tables.definition import IndexDefinition, KeyElement
from shardline.operations.tables.definition import Projection as IndexProjection
from shardline.storage.backend import StoredTable
from shardline.values.key_schema import KeySchema
from shardline.values.types import Item

SCHEMA = KeySchema("pk", "S", "sk", "N")
TABLE = ReadTarget(StoredTable("things", "id-things", {}), SCHEMA, None, SCHEMA, ())
EVERYTHING = OutputPlan(count_only=False, projection=None, fetch_base=False)
ODD = Comparison("=", Path(("odd",)), Literal({"BOOL": True}))


def entries(count: int, padding: int = 0) -> Iterator[tuple[int, Item]]:
    for number in range(count):
        item: Item = {"pk": {"S": "p"}, "sk": {"N": str(number)}, "odd": {"BOOL": number % 2 == 1}}
        if padding:
            item["pad"] = {"S": "x" * padding}
        yield number, item


def test_limit_ends_the_page_at_the_last_evaluated_item() -> None:
    page = read_page(TABLE, entries(10), limit=4, filter=None, plan=EVERYTHING, consistent_read=False)
    assert [item["sk"]["N"] for item in page.items] == ["0", "1", "2", "3"]
    assert page.scanned_count == page.count == 4
    assert page.last_evaluated_key == {"pk": {"S": "p"}, "sk": {"N": "3"}}


def test_limit_counts_before_the_filter() -> None:
    page = read_page(TABLE, entries(10), limit=5, filter=ODD, plan=EVERYTHING, consistent_read=False)
    assert [item["sk"]["N"] for item in page.items] == ["1", "3"]
    assert (page.count, page.scanned_count) == (2, 5)
    assert page.last_evaluated_key == {"pk": {"S": "p"}, "sk": {"N": "4"}}


def test_a_page_that_reads_everything_has_no_last_key() -> None:
    page = read_page(TABLE, entries(3), limit=None, filter=None, plan=EVERYTHING, consistent_read=False)
    assert page.scanned_count == 3 and page.last_evaluated_key is None


def test_the_page_stops_once_a_megabyte_was_read() -> None:
    page = read_page(
        TABLE, entries(30, padding=100_000), limit=None, filter=ODD, plan=EVERYTHING, consistent_read=False
    )
    # Each entry is a little over 100,000 bytes: the 11th takes the page past 1,048,576 bytes.
    assert page.scanned_count == 11
    assert page.read_bytes >= 1024 * 1024 > page.read_bytes - 100_100
    assert page.last_evaluated_key == {"pk": {"S": "p"}, "sk": {"N": "10"}}


def test_count_only_and_projection() -> None:
    counted = read_page(
        TABLE,
        entries(6),
        limit=None,
        filter=ODD,
        plan=OutputPlan(count_only=True, projection=None, fetch_base=False),
        consistent_read=False,
    )
    assert counted.items == [] and counted.count == 3
    response = page_response(counted, OutputPlan(count_only=True, projection=None, fetch_base=False), None)
    assert response == {"Count": 3, "ScannedCount": 6}
    projected = read_page(
        TABLE,
        entries(2),
        limit=None,
        filter=None,
        plan=OutputPlan(count_only=False, projection=Projection((Path(("sk",)),)), fetch_base=False),
        consistent_read=False,
    )
    assert projected.items == [{"sk": {"N": "0"}}, {"sk": {"N": "1"}}]


def test_capacity_of_a_table_page() -> None:
    page = read_page(TABLE, entries(3, padding=5000), limit=None, filter=None, plan=EVERYTHING, consistent_read=True)
    assert page_capacity(TABLE, page, True, "TOTAL") == {"TableName": "things", "CapacityUnits": 4.0}
    assert page_capacity(TABLE, page, False, "INDEXES") == {
        "TableName": "things",
        "CapacityUnits": 2.0,
        "Table": {"CapacityUnits": 2.0},
    }
    assert page_capacity(TABLE, page, False, "NONE") is None
    empty = read_page(TABLE, entries(0), limit=None, filter=None, plan=EVERYTHING, consistent_read=False)
    assert page_capacity(TABLE, empty, False, "TOTAL") == {"TableName": "things", "CapacityUnits": 0.5}


def test_an_lsi_page_fetches_base_items_and_charges_them_to_the_table() -> None:
    index = IndexDefinition(
        name="by_odd",
        is_global=False,
        key_elements=(KeyElement("pk", "HASH"), KeyElement("odd_rank", "RANGE")),
        projection=IndexProjection("KEYS_ONLY"),
        throughput=None,
        created_at=0.0,
    )
    index_schema = KeySchema("pk", "S", "odd_rank", "N")
    target = ReadTarget(StoredTable("things", "id-things", {}), SCHEMA, index, index_schema, ((index, index_schema),))
    bases = {number: {**item, "secret": {"S": "s" * 5000}} for number, item in entries(3)}
    page = read_page(
        target,
        entries(3),
        limit=None,
        filter=None,
        plan=OutputPlan(count_only=False, projection=None, fetch_base=True),
        consistent_read=True,
        fetch=lambda number: bases[number],
    )
    assert [item["secret"]["S"][:1] for item in page.items] == ["s", "s", "s"]
    assert page.fetched_units == 6.0  # each fetched item of about 5 KB costs two units
    assert page_capacity(target, page, True, "INDEXES") == {
        "TableName": "things",
        "CapacityUnits": 7.0,
        "Table": {"CapacityUnits": 6.0},
        "LocalSecondaryIndexes": {"by_odd": {"CapacityUnits": 1.0}},
    }
