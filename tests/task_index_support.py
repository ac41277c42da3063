"""Capability sets and a drain helper the pending-task index tests share."""

from __future__ import annotations

from actorkit._tasks._index import PendingTasks

NONE: frozenset[str] = frozenset()
A = frozenset({"a"})
B = frozenset({"b"})
C = frozenset({"c"})
AB = frozenset({"a", "b"})


def drain(index: PendingTasks[str], capabilities: frozenset[str]) -> list[str]:
    out = []
    while (item := index.pop_for(capabilities)) is not None:
        out.append(item)
    return out
