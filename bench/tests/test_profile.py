"""Summaries of py-spy's raw (collapsed) stacks."""

from __future__ import annotations

from bench.harness.profile import area_of, render, summarise

SRC = "/work/main/src/shardline"
SITE = "/work/main/.venv/lib/python3.11/site-packages"
STDLIB = "/root/.pyenv/versions/3.11.7/lib/python3.11"

RAW = "\n".join([
    f"thread (11): MainThread;<module> ({SRC}/__main__.py:4);Runner.run ({STDLIB}/asyncio/runners.py:118) 30",
    f"thread (11): MainThread;<module> ({SRC}/__main__.py:4);Runner.run ({STDLIB}/asyncio/runners.py:118);"
    f"dispatch ({SRC}/protocol/pipeline.py:40);run ({SRC}/operations/items/put_item.py:20);"
    f"encode_key_value ({SRC}/values/key_codec.py:12) 20",
    f"thread (11): MainThread;<module> ({SRC}/__main__.py:4);Runner.run ({STDLIB}/asyncio/runners.py:118);"
    f"dispatch ({SRC}/protocol/pipeline.py:40);data_received ({SITE}/uvicorn/protocols/http/h.py:9) 10",
    f"thread (12): shardline-writer;_run ({SRC}/storage/sqlite/writer.py:50);"
    f"_commit ({SRC}/storage/sqlite/writer.py:80) 40",
    "garbage line without a count",
])


def test_counts_samples_per_thread() -> None:
    summary = summarise(RAW)
    assert summary.samples == 100
    assert summary.threads == {"MainThread": 60, "shardline-writer": 40}


def test_self_time_goes_to_the_innermost_frame_and_its_area() -> None:
    summary = summarise(RAW)
    assert summary.own["_commit (shardline/storage/sqlite/writer.py)"] == 40
    assert summary.own["encode_key_value (shardline/values/key_codec.py)"] == 20
    assert summary.areas["shardline.storage"] == 40
    assert summary.areas["shardline.values"] == 20
    assert summary.areas["uvicorn"] == 10


def test_samples_inside_the_event_loop_itself_are_labelled_as_such() -> None:
    summary = summarise(RAW)
    loop = "event loop itself: uvloop C code, socket reads and writes"
    assert summary.own[loop] == 30
    assert summary.areas[loop] == 30


def test_inclusive_time_counts_each_function_once_per_stack() -> None:
    summary = summarise(RAW)
    assert summary.inclusive["dispatch (shardline/protocol/pipeline.py)"] == 30
    assert summary.inclusive["_run (shardline/storage/sqlite/writer.py)"] == 40


def test_area_names_follow_the_package() -> None:
    assert area_of(f"{SRC}/expressions/parser.py") == "shardline.expressions"
    assert area_of(f"{SITE}/uvicorn/main.py") == "uvicorn"
    assert area_of(f"{STDLIB}/asyncio/base_events.py") == "asyncio"


def test_render_leaves_out_the_entry_path_and_shows_shares() -> None:
    text = "\n".join(render(summarise(RAW), "PutItem"))
    assert "__main__" not in text.split("| inclusive |", 1)[1].split("Top self time")[0]
    assert "| 30% | `dispatch (shardline/protocol/pipeline.py)` | 0% |" in text
    assert "shardline-writer 40%" in text


def test_render_of_no_samples_says_so() -> None:
    assert render(summarise(""), "GetItem") == ["**GetItem**: py-spy took no samples."]
