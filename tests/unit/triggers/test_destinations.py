"""OnFailure destinations: Lambda's failure-record shape, and the JSON-lines file destination."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from shardline.triggers.destinations import (
    DiscardedBatch,
    FileDestination,
    HttpDestination,
    LogDestination,
    destination_for,
    failure_record,
)

BATCH = DiscardedBatch(
    request_id="d9e6fbd7-8b28-4d56-9b6c-3b5c7a3e9f11", function_arn="arn:aws:lambda:us-east-1:000000000000:function:f",
    condition="RetryAttemptsExhausted", invoke_count=2, function_error="Unhandled", status_code=200,
    shard_id="shardId-00000001573689847184-864758bb",
    stream_arn="arn:aws:dynamodb:us-east-1:000000000000:table/T/stream/x",
    first_sequence="800000000003126276362", last_sequence="800000000003126276362",
    first_created_at=1573690399.0, last_created_at=1573690399.0, batch_size=1,
)


def test_failure_record_has_lambdas_shape() -> None:
    record = failure_record(BATCH, now=1573690429.717, payload=None)
    assert record == {
        "requestContext": {
            "requestId": "d9e6fbd7-8b28-4d56-9b6c-3b5c7a3e9f11",
            "functionArn": "arn:aws:lambda:us-east-1:000000000000:function:f",
            "condition": "RetryAttemptsExhausted",
            "approximateInvokeCount": 2,
        },
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "version": "1.0",
        "timestamp": "2019-11-14T00:13:49.717Z",
        "DDBStreamBatchInfo": {
            "shardId": "shardId-00000001573689847184-864758bb",
            "startSequenceNumber": "800000000003126276362",
            "endSequenceNumber": "800000000003126276362",
            "approximateArrivalOfFirstRecord": "2019-11-14T00:13:19Z",
            "approximateArrivalOfLastRecord": "2019-11-14T00:13:19Z",
            "batchSize": 1,
            "streamArn": "arn:aws:dynamodb:us-east-1:000000000000:table/T/stream/x",
        },
    }


def test_aged_out_records_have_no_response_context() -> None:
    aged = DiscardedBatch(**{**BATCH.__dict__, "condition": "RecordAgeExceeded", "status_code": None,
                             "function_error": None})
    record = failure_record(aged, now=1573690429.0, payload={"Records": []})
    assert "responseContext" not in record
    assert record["requestContext"]["condition"] == "RecordAgeExceeded"
    assert record["payload"] == {"Records": []}


def test_file_destination_appends_json_lines(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "failures.jsonl"
    destination = destination_for(target.as_uri())
    assert isinstance(destination, FileDestination)

    async def send_two() -> None:
        await destination.send({"n": 1})
        await destination.send({"n": 2})

    asyncio.run(send_two())
    assert [json.loads(line) for line in target.read_text().splitlines()] == [{"n": 1}, {"n": 2}]


def test_destination_kinds() -> None:
    assert destination_for(None) is None
    assert isinstance(destination_for("http://127.0.0.1:9/x"), HttpDestination)
    assert isinstance(destination_for("arn:aws:sqs:us-east-1:000000000000:dlq"), LogDestination)
