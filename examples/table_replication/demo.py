"""Creates `customers` (with a stream) and `customers_replica`, then inserts, updates and deletes customers;
the replica follows.

    AWS_ENDPOINT_URL_DYNAMODB=http://localhost:8000 AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo \
        shardline serve --in-memory --triggers triggers.yaml     # one terminal
    python demo.py --endpoint-url http://localhost:8000          # another
"""

from __future__ import annotations

import argparse

import boto3

KEY_SCHEMA = [{"AttributeName": "customer_id", "KeyType": "HASH"}]
ATTRIBUTES = [{"AttributeName": "customer_id", "AttributeType": "S"}]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint-url", default="http://localhost:8000")
    args = parser.parse_args()
    dynamodb = boto3.client("dynamodb", endpoint_url=args.endpoint_url, region_name="us-east-1",
                            aws_access_key_id="demo", aws_secret_access_key="demo")
    dynamodb.create_table(TableName="customers_replica", KeySchema=KEY_SCHEMA, AttributeDefinitions=ATTRIBUTES,
                          BillingMode="PAY_PER_REQUEST")
    dynamodb.create_table(TableName="customers", KeySchema=KEY_SCHEMA, AttributeDefinitions=ATTRIBUTES,
                          BillingMode="PAY_PER_REQUEST",
                          StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    for number in range(1, 6):
        dynamodb.put_item(TableName="customers", Item={
            "customer_id": {"S": f"c-{number}"}, "name": {"S": f"Customer {number}"},
            "tier": {"S": "basic"}, "avatar": {"B": bytes([number]) * 4},
        })
    dynamodb.update_item(TableName="customers", Key={"customer_id": {"S": "c-2"}},
                         UpdateExpression="SET tier = :gold", ExpressionAttributeValues={":gold": {"S": "gold"}})
    dynamodb.delete_item(TableName="customers", Key={"customer_id": {"S": "c-5"}})
    print("wrote 5 customers, upgraded c-2 and removed c-5; scan customers_replica to see the copy")


if __name__ == "__main__":
    main()
