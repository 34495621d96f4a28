"""Keeps a table's secondary indexes in step with its items, inside the item change's transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shardline.storage.backend import WriteView

if TYPE_CHECKING:
    from shardline.operations.item_changes import ItemChange


def maintain_indexes(view: WriteView, change: ItemChange) -> None:
    """Writes, moves or removes the change's entries in every LSI and GSI of its table."""
