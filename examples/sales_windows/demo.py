"""Creates the sales table and records five sales in two stores; about ten seconds later the window closes
and its totals appear in window-totals.jsonl (a line per shard that saw sales: as on Lambda, each shard keeps
its own window state).

    python demo.py --endpoint-url http://localhost:8000
"""

from __future__ import annotations

import argparse

import boto3

SALES = [("s-1", "north", "12.50"), ("s-2", "south", "3.25"), ("s-3", "north", "7.50"), ("s-4", "north", "1"),
         ("s-5", "south", "0.75")]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint-url", default="http://localhost:8000")
    args = parser.parse_args()
    dynamodb = boto3.client("dynamodb", endpoint_url=args.endpoint_url, region_name="us-east-1",
                            aws_access_key_id="demo", aws_secret_access_key="demo")
    dynamodb.create_table(
        TableName="sales",
        KeySchema=[{"AttributeName": "sale_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "sale_id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )
    for sale_id, store, amount in SALES:
        dynamodb.put_item(TableName="sales", Item={
            "sale_id": {"S": sale_id}, "store": {"S": store}, "amount": {"N": amount},
        })
    print(f"recorded {len(SALES)} sales; when the window closes, each shard's totals land in window-totals.jsonl")


if __name__ == "__main__":
    main()
