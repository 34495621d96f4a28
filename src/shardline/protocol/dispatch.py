"""X-Amz-Target → the operation's handler; anything unknown is AWS's UnknownOperationException."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from shardline.errors import UnknownOperationException
from shardline.operations.registry import Handler


@dataclass(frozen=True)
class Target:
    prefix: str
    operation: str
    handler: Handler


class Dispatcher:
    def __init__(self, registry: Mapping[tuple[str, str], Handler]) -> None:
        # Keyed by the exact header text so a request costs one dict lookup.
        self._targets = {
            f"{prefix}.{operation}": Target(prefix, operation, handler)
            for (prefix, operation), handler in registry.items()
        }

    def resolve(self, target_header: str | None) -> Target:
        target = self._targets.get(target_header or "")
        if target is None:
            # AWS sends this one with no message at all.
            raise UnknownOperationException()
        return target

    def targets(self) -> list[str]:
        return sorted(self._targets)
