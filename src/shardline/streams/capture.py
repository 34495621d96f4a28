"""Change capture: turns an item change into its stream record, appended in the change's transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shardline.storage.backend import WriteView

if TYPE_CHECKING:
    from shardline.operations.item_changes import ItemChange


def capture_change(view: WriteView, change: ItemChange) -> None:
    """Appends the stream record of `change` when its table has an enabled stream and the change
    changed something."""
