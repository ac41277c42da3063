"""The body of `/actors`, built a slice of nodes per loop turn and encoded as it goes.

Built in one step, the whole tree of 200,000 actors held the loop for over a second (a dict
per node, then `json.dumps` of all of them, then a garbage collection of what that left). Here
each node is read and written straight into the body, `SLICE` nodes per loop turn, so the
actors run between two slices whatever the size of the tree. The body is byte for byte the
`json.dumps` of what `_tree.actor_tree` returns (tests/test_http_tree_slices.py compares
them): the same escaping (the stdlib's own, in C) and separators. msgspec would encode a node
a quarter faster, but it is no dependency of `serve_http`.

What a walk that yields sees (docs/observability.md, "/actors"):

- each node is read in one step: its counts agree with each other, as in a one-step walk;
- a node's children are those it had when the node was read (`children_count`); one that
  stopped before the walk reached it is left out, one started since is not listed, so a node
  lists at most `children_count` children. No child is listed under a parent (or any actor
  above it) that had stopped when the child was read. A parent mostly stops after its
  children, but a spawn cancelled during `on_start` closes the new actor at once, and the
  children its `on_start` spawned only as its task unwinds (`_orphaned`);
- `total` and `healthy` are read when the walk ends.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterator
from json.encoder import encode_basestring_ascii as _quoted
from typing import TYPE_CHECKING

from ._state import shown_state
from ._tree import MAX_DEPTH, NoActorAt
from .persistence._durable import describe, persists

if TYPE_CHECKING:
    from ._cell import Cell
    from ._system import ActorSystem

SLICE = 2048
"""Nodes read and written per loop turn: about 2 ms at 1 µs a node (benchmarks/http_tree.py),
so a whole tree holds the loop no longer than that at a time."""

_LEAF = "]}"


def _opened(cell: Cell, children: int) -> str:
    """A node as `json.dumps` writes `_tree._node`'s dict, up to its children's list, open."""
    mailbox = cell.mailbox
    return (
        f'{{"path": {_quoted(cell.path)}, "name": {_quoted(cell.name)}, '
        f'"class": {_quoted(cell.class_name)}, "state": {_quoted(shown_state(cell))}, '
        f'"mailbox_size": {len(mailbox)}, "processed": {mailbox.processed}, '
        f'"failures": {cell.failures}, "restarts": {cell.restarts}, '
        f'"accepted": {mailbox.accepted}, "crashed": {mailbox.crashed}, '
        f'"dead_lettered": {mailbox.dead_lettered}, "children_count": {children}, '
        '"children": ['
    )


def _closing(cell: Cell) -> str:
    """What ends a node after its children: a durable actor's persistence fields too."""
    durable = describe(cell)
    return _LEAF if durable is None else f"], {json.dumps(durable)[1:]}"


def _orphaned(stack: list[tuple[Iterator[Cell], str, Cell | None]]) -> None:
    """After a yield: the children still to be read of an actor that stopped meanwhile (and
    of any actor below it) are left out, their lists closed as they stand. Their parent is
    gone from the tree though they are not closed yet, what a spawn cancelled in `on_start`
    leaves until its task unwinds. Only a yield lets an actor stop: once per slice, over
    at most `MAX_DEPTH` levels."""
    for level, (_, _, parent) in enumerate(stack):
        if parent is not None and parent.closed:
            stack[level:] = [(iter(()), closing, owner) for _, closing, owner in stack[level:]]
            return


async def tree_body(
    system: ActorSystem, root: Cell, path: str | None = None, limit: int | None = None
) -> list[bytes]:
    """The JSON body of `/actors` (the subtree at `path`, at most `limit` nodes), in pieces
    to write one after the other. Raises `NoActorAt` for a `path` with no actor."""
    if path is None or path == "/":
        top = list(root.children.values())
    else:
        ref = system.lookup(path)
        if ref is None:
            raise NoActorAt(f"no actor at {path!r}")
        top = [ref._cell]
    durable = persists(system)  # else no node has persistence fields: not one look each
    budget = limit if limit is not None else sys.maxsize
    pieces: list[bytes] = []
    body: list[str] = []
    write = body.append
    above = root if path is None or path == "/" else None
    stack: list[tuple[Iterator[Cell], str, Cell | None]] = [(iter(top), "", above)]
    first = True  # the next node opens its list: no separator before it
    truncated = False
    turn = SLICE
    while stack:
        siblings, closing, _ = stack[-1]
        cell = next(siblings, None)
        if cell is None:
            stack.pop()
            write(closing)
            first = False
            continue
        if cell.closed:  # stopped since its parent was read
            continue
        if budget <= 0:
            truncated = True
            break
        budget -= 1
        children = cell.children
        if not first:
            write(", ")
        write(_opened(cell, len(children)))
        ending = _closing(cell) if durable else _LEAF
        if children and len(stack) < MAX_DEPTH:
            stack.append((iter(list(children.values())), ending, cell))
            first = True
        else:
            truncated = truncated or bool(children)
            write(ending)
            first = False
        turn -= 1
        if turn == 0:
            pieces.append("".join(body).encode())
            body.clear()
            turn = SLICE
            await asyncio.sleep(0)
            _orphaned(stack)
    while stack:  # a walk cut short by `limit` closes the lists it opened
        write(stack.pop()[1])
    pieces.append("".join(body).encode())
    envelope = {
        "system": system.name,
        "healthy": system.healthy,
        "total": system.actor_count,
        "truncated": truncated,
    }
    pieces.insert(0, f'{json.dumps(envelope)[:-1]}, "actors": ['.encode())
    pieces.append(b"]}")
    return pieces
