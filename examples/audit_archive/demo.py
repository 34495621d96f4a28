"""Creates the accounts table and changes it a few times; every change is archived in audit.jsonl.

    python demo.py --endpoint-url http://localhost:8000
"""

from __future__ import annotations

import argparse

import boto3


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint-url", default="http://localhost:8000")
    args = parser.parse_args()
    dynamodb = boto3.client("dynamodb", endpoint_url=args.endpoint_url, region_name="us-east-1",
                            aws_access_key_id="demo", aws_secret_access_key="demo")
    dynamodb.create_table(
        TableName="accounts",
        KeySchema=[{"AttributeName": "account_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "account_id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    dynamodb.put_item(TableName="accounts", Item={"account_id": {"S": "a-1"}, "balance": {"N": "100"}})
    dynamodb.put_item(TableName="accounts", Item={"account_id": {"S": "a-2"}, "balance": {"N": "5"}})
    dynamodb.update_item(TableName="accounts", Key={"account_id": {"S": "a-1"}},
                         UpdateExpression="SET balance = balance - :x", ExpressionAttributeValues={":x": {"N": "30"}})
    dynamodb.delete_item(TableName="accounts", Key={"account_id": {"S": "a-2"}})
    print("made 4 changes to accounts; see audit.jsonl")


if __name__ == "__main__":
    main()
