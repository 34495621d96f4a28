"""Item-key locks: transaction-scoped advisory locks, one per (table, key), held until the transaction ends.

They serialise writers of one item across processes even while the item does not exist (a row lock
needs a row). Ids are 64-bit hashes: two keys that collide only wait for each other needlessly.
"""

from __future__ import annotations

import hashlib

from shardline.storage.backend import ItemKey


def key_lock_id(table_id: str, key: ItemKey) -> int:
    digest = hashlib.blake2b(digest_size=8)
    digest.update(table_id.encode())
    digest.update(len(key.partition).to_bytes(4, "big"))
    digest.update(key.partition)
    digest.update(key.sort)
    return int.from_bytes(digest.digest(), "big", signed=True)


class KeyLocks:
    """The locks a transaction holds: its committed works' (group) and the running work's. Rolling a work
    back to its savepoint releases the locks it took, so they are forgotten with it."""

    def __init__(self) -> None:
        self._group: set[int] = set()
        self._work: set[int] = set()

    @staticmethod
    def lock_id(table_id: str, key: ItemKey) -> int:
        return key_lock_id(table_id, key)

    def group_holds_any(self) -> bool:
        return bool(self._group)

    def needs(self, lock: int) -> bool:
        return lock not in self._work and lock not in self._group

    def hold(self, lock: int) -> None:
        self._work.add(lock)

    def work_succeeded(self) -> None:
        self._group |= self._work
        self._work = set()

    def work_failed(self) -> None:
        self._work = set()

    def transaction_ended(self) -> None:
        self._group = set()
        self._work = set()
