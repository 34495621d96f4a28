"""Projection: the parts of an item named by document paths, keeping their nesting (a.b[1] gives
{"a": {"M": {"b": {"L": [element 1]}}}}); paths that name nothing are left out."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field

from shardline.expressions.ast import DocumentPath, Projection
from shardline.expressions.functions import lookup
from shardline.values.types import AttributeValue, Item

__all__ = ["Projection", "project", "project_paths"]


@dataclass
class _Branch:
    """A map or list being rebuilt; a list keeps its chosen indexes and is compacted at the end."""

    is_list: bool
    children: dict[str | int, _Branch | AttributeValue] = field(default_factory=dict)

    def build(self) -> AttributeValue:
        built = {key: _build(child) for key, child in self.children.items()}
        if self.is_list:
            return {"L": [built[index] for index in sorted(built, key=int)]}
        return {"M": {str(key): value for key, value in built.items()}}


def _build(node: _Branch | AttributeValue) -> AttributeValue:
    return node.build() if isinstance(node, _Branch) else copy.deepcopy(node)


def project(projection: Projection, item: Item) -> Item:
    return project_paths(projection.document_paths, item)


def project_paths(paths: Sequence[DocumentPath], item: Item) -> Item:
    root = _Branch(is_list=False)
    for path in paths:
        value = lookup(item, path)
        if value is None:
            continue
        branch = root
        for position, step in enumerate(path[:-1]):
            child = branch.children.get(step)
            if child is None:
                child = _Branch(is_list=isinstance(path[position + 1], int))
                branch.children[step] = child
            if not isinstance(child, _Branch):
                break  # a shorter path already took the whole value
            branch = child
        else:
            branch.children[path[-1]] = value
    return {str(name): _build(child) for name, child in root.children.items()}
