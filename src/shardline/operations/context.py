"""What every operation receives: the store, the clock, the settings and the request's id."""

from __future__ import annotations

from dataclasses import dataclass

from shardline.clock import Clock
from shardline.settings import Settings
from shardline.storage.backend import StorageBackend


@dataclass(frozen=True)
class OperationContext:
    storage: StorageBackend
    clock: Clock
    settings: Settings
    request_id: str
