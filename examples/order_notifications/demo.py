"""Creates the orders table, places three orders and ships two of them; the handler should notify twice.

    python demo.py --endpoint-url http://localhost:8000
"""

from __future__ import annotations

import argparse
import time

import boto3


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint-url", default="http://localhost:8000")
    args = parser.parse_args()
    dynamodb = boto3.client("dynamodb", endpoint_url=args.endpoint_url, region_name="us-east-1",
                            aws_access_key_id="demo", aws_secret_access_key="demo")
    dynamodb.create_table(
        TableName="orders",
        KeySchema=[{"AttributeName": "order_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "order_id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    for number, customer in ((1, "ana@example.com"), (2, "bo@example.com"), (3, "cy@example.com")):
        dynamodb.put_item(TableName="orders", Item={
            "order_id": {"S": f"order-{number}"}, "customer": {"S": customer}, "status": {"S": "PLACED"},
        })
    time.sleep(0.2)
    for number in (1, 3):
        dynamodb.update_item(
            TableName="orders", Key={"order_id": {"S": f"order-{number}"}},
            UpdateExpression="SET #s = :shipped", ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":shipped": {"S": "SHIPPED"}},
        )
    print("placed 3 orders and shipped order-1 and order-3; watch outbox.jsonl")


if __name__ == "__main__":
    main()
