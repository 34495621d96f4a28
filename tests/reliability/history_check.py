"""The serializability checker of the concurrency and crash harnesses. Every write appends its unique id to a
log attribute of each item it changes and bumps the item's version; from the final items this finds whether
one serial order of the acknowledged writes explains every item's log."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Write:
    """One write as the client saw it."""

    op_id: str
    keys: tuple[str, ...]  # the items it changes
    acknowledged: bool  # True: the server said it succeeded; False: unknown (no answer)
    # For conditional writes: the version each item had to have, i.e. the write's position in that item's log.
    expected_versions: Mapping[str, int] = field(default_factory=dict)


@dataclass
class Verdict:
    problems: list[str]
    serial_order: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_history(
    writes: Iterable[Write], refused: Iterable[str], logs: Mapping[str, list[str]], versions: Mapping[str, int]
) -> Verdict:
    """writes: every write that may have happened; refused: ids the server refused (must appear nowhere);
    logs and versions: the final state of every item."""
    problems: list[str] = []
    by_id = {write.op_id: write for write in writes}
    refused_ids = set(refused)
    seen: dict[str, dict[str, int]] = defaultdict(dict)  # op id -> item -> position in its log
    for key, log in logs.items():
        if versions.get(key, 0) != len(log):
            problems.append(f"{key}: version {versions.get(key)} but {len(log)} log entries (a lost or torn update)")
        for position, op_id in enumerate(log):
            if op_id in seen and key in seen[op_id]:
                problems.append(f"{key}: {op_id} applied twice")
            seen[op_id][key] = position
    for op_id in seen:
        if op_id in refused_ids:
            problems.append(f"{op_id} was refused but is in the logs of {sorted(seen[op_id])}")
        elif op_id not in by_id:
            problems.append(f"{op_id} is in the logs but was never sent")
    for write in by_id.values():
        present = set(seen.get(write.op_id, {}))
        if write.acknowledged and present != set(write.keys):
            problems.append(f"acknowledged {write.op_id} is in {sorted(present)}, expected {sorted(write.keys)}")
        elif not write.acknowledged and present and present != set(write.keys):
            problems.append(
                f"unacknowledged {write.op_id} is partly applied: {sorted(present)} of {sorted(write.keys)}"
            )
        for key, version in write.expected_versions.items():
            position = seen.get(write.op_id, {}).get(key)
            if position is not None and position != version:
                problems.append(f"{write.op_id} expected {key} at version {version} but is entry {position}")
    order = _serial_order(logs)
    if order is None:
        problems.append("the per-item logs admit no single serial order (a cycle between transactions)")
    return Verdict(problems, order or [])


def _serial_order(logs: Mapping[str, list[str]]) -> list[str] | None:
    """A topological order of the precedence graph (a -> b when a comes right before b in some item's
    log), or None if the graph has a cycle."""
    successors: dict[str, set[str]] = defaultdict(set)
    indegree: dict[str, int] = defaultdict(int)
    nodes: set[str] = set()
    for log in logs.values():
        nodes.update(log)
        for before, after in itertools.pairwise(log):
            if after not in successors[before]:
                successors[before].add(after)
                indegree[after] += 1
    ready = sorted(node for node in nodes if indegree[node] == 0)
    order: list[str] = []
    while ready:
        node = ready.pop()
        order.append(node)
        for successor in sorted(successors[node]):
            indegree[successor] -= 1
            if indegree[successor] == 0:
                ready.append(successor)
    return order if len(order) == len(nodes) else None
