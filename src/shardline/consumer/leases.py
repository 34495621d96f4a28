"""The lease table: one item per shard with KCL's attribute names, changed only by conditional writes so that two
workers can never both believe they own a shard after a write succeeded."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from botocore.exceptions import ClientError

log = logging.getLogger("shardline.consumer")

# Checkpoint values that are not sequence numbers (KCL's sentinels).
TRIM_HORIZON = "TRIM_HORIZON"
LATEST = "LATEST"
SHARD_END = "SHARD_END"

LEASE_KEY = "leaseKey"
LEASE_OWNER = "leaseOwner"
LEASE_COUNTER = "leaseCounter"
CHECKPOINT = "checkpoint"
CHECKPOINT_SUB_SEQUENCE = "checkpointSubSequenceNumber"
OWNER_SWITCHES = "ownerSwitchesSinceCheckpoint"
# KCL's name, singular although it holds a string set (KinesisClientLeaseSerializer and DynamoDBLeaseSerializer).
PARENT_SHARD_ID = "parentShardId"
# What shardline wrote before it used KCL's name; still read, so that existing lease tables keep their lineage.
EARLIER_PARENT_SHARD_IDS = "parentShardIds"


@dataclass(frozen=True)
class Lease:
    """One lease as last read or written by this worker; replaced, never mutated."""

    lease_key: str
    owner: str | None
    counter: int
    checkpoint: str
    parent_shard_ids: tuple[str, ...] = ()
    owner_switches_since_checkpoint: int = 0

    @property
    def ended(self) -> bool:
        return self.checkpoint == SHARD_END

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Lease:
        owner = item.get(LEASE_OWNER, {}).get("S")
        return cls(
            lease_key=item[LEASE_KEY]["S"],
            owner=owner,
            counter=int(item.get(LEASE_COUNTER, {}).get("N", "0")),
            checkpoint=item.get(CHECKPOINT, {}).get("S", TRIM_HORIZON),
            parent_shard_ids=tuple(sorted(
                item.get(PARENT_SHARD_ID, item.get(EARLIER_PARENT_SHARD_IDS, {})).get("SS", [])
            )),
            owner_switches_since_checkpoint=int(item.get(OWNER_SWITCHES, {}).get("N", "0")),
        )

    def to_item(self) -> dict[str, Any]:
        item: dict[str, Any] = {
            LEASE_KEY: {"S": self.lease_key},
            LEASE_COUNTER: {"N": str(self.counter)},
            CHECKPOINT: {"S": self.checkpoint},
            CHECKPOINT_SUB_SEQUENCE: {"N": "0"},
            OWNER_SWITCHES: {"N": str(self.owner_switches_since_checkpoint)},
        }
        if self.owner is not None:
            item[LEASE_OWNER] = {"S": self.owner}
        if self.parent_shard_ids:  # a string set cannot be empty
            item[PARENT_SHARD_ID] = {"SS": list(self.parent_shard_ids)}
        return item


def _condition_failed(error: ClientError) -> bool:
    return bool(error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException")


class LeaseTable:
    """Reads and conditionally writes the leases of one application through the public DynamoDB API."""

    def __init__(self, dynamodb: Any, table_name: str) -> None:
        self._dynamodb = dynamodb
        self.table_name = table_name

    # --- the table itself ----------------------------------------------------------------------------

    def ensure_exists(self, billing_mode: str, wait: Callable[[float], bool]) -> None:
        """Creates the lease table on first use and waits until it is ACTIVE; `wait(seconds)` returns True
        when the consumer is being stopped."""
        try:
            status = self._dynamodb.describe_table(TableName=self.table_name)["Table"]["TableStatus"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                raise
            status = self._create(billing_mode)
        while status != "ACTIVE":
            if wait(1.0):
                return
            status = self._dynamodb.describe_table(TableName=self.table_name)["Table"]["TableStatus"]

    def _create(self, billing_mode: str) -> str:
        arguments: dict[str, Any] = {
            "TableName": self.table_name,
            "KeySchema": [{"AttributeName": LEASE_KEY, "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": LEASE_KEY, "AttributeType": "S"}],
            "BillingMode": billing_mode,
        }
        if billing_mode == "PROVISIONED":
            arguments["ProvisionedThroughput"] = {"ReadCapacityUnits": 10, "WriteCapacityUnits": 10}
        try:
            response = self._dynamodb.create_table(**arguments)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ResourceInUseException":
                raise
            return "CREATING"  # another worker created it a moment ago
        log.info("created lease table %s", self.table_name)
        return str(response["TableDescription"]["TableStatus"])

    # --- reads ---------------------------------------------------------------------------------------

    def list_leases(self) -> list[Lease]:
        leases: list[Lease] = []
        arguments: dict[str, Any] = {"TableName": self.table_name, "ConsistentRead": True}
        while True:
            page = self._dynamodb.scan(**arguments)
            leases.extend(Lease.from_item(item) for item in page.get("Items", []))
            last = page.get("LastEvaluatedKey")
            if not last:
                return leases
            arguments["ExclusiveStartKey"] = last

    def get_lease(self, lease_key: str) -> Lease | None:
        item = self._dynamodb.get_item(
            TableName=self.table_name, Key={LEASE_KEY: {"S": lease_key}}, ConsistentRead=True
        ).get("Item")
        return None if item is None else Lease.from_item(item)

    # --- conditional writes: each returns the new lease, or None when the condition failed ------------

    def create(self, lease: Lease) -> bool:
        try:
            self._dynamodb.put_item(
                TableName=self.table_name, Item=lease.to_item(),
                ConditionExpression="attribute_not_exists(#key)", ExpressionAttributeNames={"#key": LEASE_KEY},
            )
        except ClientError as error:
            if _condition_failed(error):
                return False
            raise
        return True

    def take(self, lease: Lease, owner: str) -> Lease | None:
        """Takes a lease as last seen: succeeds only if nobody changed it since (same counter and owner)."""
        # KCL counts a switch only away from another owner: taking a new or released lease is none.
        switched = lease.owner is not None and lease.owner != owner
        switches = lease.owner_switches_since_checkpoint + (1 if switched else 0)
        taken = replace(lease, owner=owner, counter=lease.counter + 1, owner_switches_since_checkpoint=switches)
        return self._update(
            lease, taken, "SET #owner = :owner, #counter = :new_counter, #switches = :switches",
            {":owner": {"S": owner}, ":switches": {"N": str(switches)}},
        )

    def renew(self, lease: Lease) -> Lease | None:
        renewed = replace(lease, counter=lease.counter + 1)
        return self._update(lease, renewed, "SET #counter = :new_counter", {})

    def checkpoint(self, lease: Lease, checkpoint: str) -> Lease | None:
        stored = replace(lease, counter=lease.counter + 1, checkpoint=checkpoint, owner_switches_since_checkpoint=0)
        return self._update(
            lease, stored,
            "SET #counter = :new_counter, #checkpoint = :checkpoint, #sub = :zero, #switches = :zero",
            {":checkpoint": {"S": checkpoint}, ":zero": {"N": "0"}},
        )

    def release(self, lease: Lease) -> Lease | None:
        """Gives a lease up at once (a graceful stop, or a shard read to its end): no owner means any worker
        may take it on its next round, without waiting for the failover time."""
        released = replace(lease, owner=None, counter=lease.counter + 1)
        return self._update(lease, released, "SET #counter = :new_counter REMOVE #owner", {})

    def delete(self, lease: Lease) -> bool:
        try:
            self._dynamodb.delete_item(
                TableName=self.table_name, Key={LEASE_KEY: {"S": lease.lease_key}},
                ConditionExpression="#counter = :counter",
                ExpressionAttributeNames={"#counter": LEASE_COUNTER},
                ExpressionAttributeValues={":counter": {"N": str(lease.counter)}},
            )
        except ClientError as error:
            if _condition_failed(error):
                return False
            raise
        return True

    def _update(
        self, seen: Lease, result: Lease, update: str, values: dict[str, Any]
    ) -> Lease | None:
        names = {"#counter": LEASE_COUNTER, "#owner": LEASE_OWNER}
        condition = "#counter = :counter AND "
        condition += "attribute_not_exists(#owner)" if seen.owner is None else "#owner = :seen_owner"
        all_values: dict[str, Any] = {
            ":counter": {"N": str(seen.counter)}, ":new_counter": {"N": str(seen.counter + 1)}, **values,
        }
        if seen.owner is not None:
            all_values[":seen_owner"] = {"S": seen.owner}
        if "#checkpoint" in update:
            names["#checkpoint"] = CHECKPOINT
        if "#sub" in update:
            names["#sub"] = CHECKPOINT_SUB_SEQUENCE
        if "#switches" in update:
            names["#switches"] = OWNER_SWITCHES
        try:
            self._dynamodb.update_item(
                TableName=self.table_name, Key={LEASE_KEY: {"S": seen.lease_key}}, UpdateExpression=update,
                ConditionExpression=condition, ExpressionAttributeNames=names, ExpressionAttributeValues=all_values,
            )
        except ClientError as error:
            if _condition_failed(error):
                return None
            raise
        return result


@dataclass
class HeldLease:
    """A lease this worker holds: the renewer and the shard's checkpointer both write it, under `lock`, so that
    each write starts from the counter the other one left."""

    lease: Lease
    renewed_at: float
    lock: threading.Lock = field(default_factory=threading.Lock)
    lost: threading.Event = field(default_factory=threading.Event)

    @property
    def shard_id(self) -> str:
        return self.lease.lease_key
