"""Secondary-index storage for the PostgreSQL adapter (the index part of the ReadView and WriteView).

Entries live in `index_entries` keyed by (table, index, partition hash, index key, base key); counters in
`index_counters`, changed at commit from the transaction's pending sums (see pending.py). The reads are the
shared core's (storage/sql/index_reads.py) in PostgreSQL's dialect.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import orjson

from shardline.errors import StorageError
from shardline.storage.backend import IndexKey
from shardline.storage.postgres.stream_views import POSTGRES
from shardline.storage.sql.index_reads import IndexReadStatements, SqlIndexReads
from shardline.values.key_codec import partition_hash
from shardline.values.types import Item

if TYPE_CHECKING:
    from shardline.storage.postgres.pending import Pending


class IndexReadMixin(SqlIndexReads):
    _index_sql = IndexReadStatements.written_for(POSTGRES)


class IndexWriteMixin(IndexReadMixin):
    if TYPE_CHECKING:
        _pending: Pending

    def index_statistics(self, table_id: str, index_name: str) -> tuple[int, int]:
        """The committed counters plus what this transaction has changed so far (added at commit)."""
        items, size_bytes = super().index_statistics(table_id, index_name)
        pending_items, pending_bytes = self._pending.index_delta((table_id, index_name))
        return items + pending_items, size_bytes + pending_bytes

    def put_index_entry(self, table_id: str, index_name: str, key: IndexKey, item: Item, size_bytes: int) -> None:
        try:
            encoded = orjson.dumps(item)
        except TypeError as error:
            raise StorageError(f"index entry is not JSON: {error}") from error
        row_key = (
            table_id, index_name, partition_hash(key.partition), key.partition, key.sort, key.base.partition,
            key.base.sort,
        )
        rows = self._rows(
            "WITH old AS (SELECT size FROM index_entries WHERE table_id = %s AND index_name = %s"
            " AND partition_hash = %s AND pk = %s AND sk = %s AND base_pk = %s AND base_sk = %s),"
            " new AS (INSERT INTO index_entries"
            " (table_id, index_name, partition_hash, pk, sk, base_pk, base_sk, size, item)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (table_id, index_name, partition_hash, pk, sk, base_pk, base_sk)"
            " DO UPDATE SET size = excluded.size, item = excluded.item RETURNING 1)"
            " SELECT (SELECT size FROM old), (SELECT count(*) FROM new)",
            (*row_key, *row_key, size_bytes, encoded),
        )
        old = rows[0][0]
        ref = (table_id, index_name)
        if old is None:
            self._pending.work.add_index(ref, 1, size_bytes)
        else:
            self._pending.work.add_index(ref, 0, size_bytes - int(old))

    def delete_index_entry(self, table_id: str, index_name: str, key: IndexKey) -> None:
        removed = self._rows(
            "DELETE FROM index_entries WHERE table_id = %s AND index_name = %s AND partition_hash = %s"
            " AND pk = %s AND sk = %s AND base_pk = %s AND base_sk = %s RETURNING size",
            (
                table_id, index_name, partition_hash(key.partition), key.partition, key.sort,
                key.base.partition, key.base.sort,
            ),
        )
        if removed:
            self._pending.work.add_index((table_id, index_name), -1, -int(removed[0][0]))

    def delete_index(self, table_id: str, index_name: str) -> None:
        self._execute("DELETE FROM index_entries WHERE table_id = %s AND index_name = %s", (table_id, index_name))
        self._execute("DELETE FROM index_counters WHERE table_id = %s AND index_name = %s", (table_id, index_name))
        self._pending.work.reset_index((table_id, index_name))
