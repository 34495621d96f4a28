"""Wire throughput of PutItem and GetItem against a fresh `shardline serve` process.

Usage: python bench/wire_items.py [--seconds 5] [--connections 32] [--relaxed]
Starts a server on a free port with a temporary data directory, drives it over keep-alive HTTP/1.1
connections from one asyncio client process, and prints operations per second.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import subprocess
import sys
import tempfile
import time
from urllib.parse import urlparse

import orjson

AUTH = (
    "AWS4-HMAC-SHA256 Credential=bench/20260101/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=host;x-amz-date;x-amz-target, Signature=" + "0" * 64
)


def request_bytes(host: str, operation: str, body: dict[str, object]) -> bytes:
    payload = orjson.dumps(body)
    head = (
        f"POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-amz-json-1.0\r\n"
        f"X-Amz-Target: DynamoDB_20120810.{operation}\r\nX-Amz-Date: 20260101T000000Z\r\n"
        f"Authorization: {AUTH}\r\nContent-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode() + payload


async def read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))  # type: ignore[union-attr]
    await reader.readexactly(length)
    return status


async def drive(host: str, port: int, operation: str, make_body, seconds: float, connections: int) -> float:
    deadline = time.perf_counter() + seconds
    counts = [0] * connections
    failures = [0]

    async def one(index: int) -> None:
        reader, writer = await asyncio.open_connection(host, port)
        n = 0
        while time.perf_counter() < deadline:
            writer.write(request_bytes(f"{host}:{port}", operation, make_body(index, n)))
            if await read_response(reader) != 200:
                failures[0] += 1
            n += 1
        counts[index] = n
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(connections)))
    elapsed = time.perf_counter() - started
    if failures[0]:
        print(f"  {failures[0]} non-200 answers", file=sys.stderr)
    return sum(counts) / elapsed


async def run(endpoint: str, seconds: float, connections: int) -> None:
    url = urlparse(endpoint)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    table = "bench"
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(request_bytes(f"{host}:{port}", "CreateTable", {
        "TableName": table, "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
    }))
    await read_response(reader)
    writer.close()

    def put(index: int, n: int) -> dict[str, object]:
        return {"TableName": table, "Item": {"pk": {"S": f"k{index}-{n % 1000}"}, "n": {"N": str(n)},
                                             "payload": {"S": "x" * 100}}}

    def get(index: int, n: int) -> dict[str, object]:
        return {"TableName": table, "Key": {"pk": {"S": f"k{index}-{n % 1000}"}}}

    print(f"PutItem: {await drive(host, port, 'PutItem', put, seconds, connections):,.0f} ops/s")
    print(f"GetItem: {await drive(host, port, 'GetItem', get, seconds, connections):,.0f} ops/s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--relaxed", action="store_true", help="serve with --relaxed-durability")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        command = [sys.executable, "-m", "shardline", "serve", "--port", "0", "--data-dir", data_dir]
        if args.relaxed:
            command.append("--relaxed-durability")
        server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        try:
            assert server.stdout is not None
            endpoint = ""
            for line in server.stdout:
                match = re.search(r"listening on (\S+)", line)
                if match:
                    endpoint = match.group(1)
                    break
            print(f"shardline at {endpoint} ({'relaxed' if args.relaxed else 'durable'}), "
                  f"{args.connections} connections, {args.seconds:.0f}s per operation")
            asyncio.run(run(endpoint, args.seconds, args.connections))
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
