"""The supervision tree as plain data: the body of `/actors` and of `testing.actor_tree`.

No aiohttp here, so that `actor_tree` works without the HTTP extra being imported.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ._state import shown_state
from .persistence._durable import describe

if TYPE_CHECKING:
    from ._cell import Cell
    from ._system import ActorSystem


class NoActorAt(LookupError):
    """A path with no actor: what `/actors` answers 404 for, and only it (any other
    `LookupError` out of a walk is a fault of the runtime's, a 500)."""


MAX_DEPTH = 100
"""Levels of the tree shown below the top of a view. A supervision chain can be thousands of
actors deep, and nested JSON that deep exceeds the recursion limit of the encoder (and of
most clients' parsers): a node at this depth shows no children, and `?path=` at it shows
the levels below."""


def _node(cell: Cell, children: int) -> dict[str, Any]:
    node = {
        "path": cell.path,
        "name": cell.name,
        "class": cell.class_name,
        "state": shown_state(cell),
        "mailbox_size": len(cell.mailbox),
        "processed": cell.mailbox.processed,
        "failures": cell.failures,
        "restarts": cell.restarts,
        # Message accounting: accepted == processed + crashed + dead_lettered
        # + mailbox_size (+ 1 while a message is being handled).
        "accepted": cell.mailbox.accepted,
        "crashed": cell.mailbox.crashed,
        "dead_lettered": cell.mailbox.dead_lettered,
        "children_count": children,
        "children": [],
    }
    durable = describe(cell)
    if durable is not None:  # persistence_id and sequence_nr
        node.update(durable)
    return node


def _walk(top: Iterable[Cell], budget: int) -> tuple[list[dict[str, Any]], bool]:
    """Depth-first in start order, at most `budget` nodes and `MAX_DEPTH` levels: the nodes
    of `top` with their subtrees, and whether any node was left out. A loop over a stack of
    sibling iterators, not recursion: any depth walks in constant stack. It never yields,
    so no actor comes or goes during it."""
    shown: list[dict[str, Any]] = []
    truncated = False
    stack: list[tuple[Iterator[Cell], list[dict[str, Any]]]] = [(iter(top), shown)]
    while stack:
        siblings, into = stack[-1]
        cell = next(siblings, None)
        if cell is None:
            stack.pop()
            continue
        if budget <= 0:
            truncated = True
            break
        budget -= 1
        children = cell.children
        node = _node(cell, len(children))
        into.append(node)
        if children:
            if len(stack) < MAX_DEPTH:
                stack.append((iter(children.values()), node["children"]))
            else:
                truncated = True
    return shown, truncated


def actor_tree(
    system: ActorSystem, root: Cell, path: str | None = None, limit: int | None = None
) -> dict[str, Any]:
    """The supervision tree (or the subtree at `path`) as plain data: structure and counts
    only. `limit` caps the nodes, taken depth-first in start order, so that a view of a
    system with 100,000 actors (`top` shows forty rows) costs forty nodes, not a second of
    the event loop; every node says how many children it has, shown or not."""
    budget = limit if limit is not None else sys.maxsize  # no limit: the whole tree
    if path is None or path == "/":
        actors, truncated = _walk(root.children.values(), budget)
    else:
        ref = system.lookup(path)
        if ref is None:
            raise NoActorAt(f"no actor at {path!r}")
        actors, truncated = _walk((ref._cell,), budget)
    return {
        "system": system.name,
        "healthy": system.healthy,
        "total": system.actor_count,
        "truncated": truncated,
        "actors": actors,
    }
