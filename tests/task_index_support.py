"""Capability sets and a drain helper the pending-task index tests share."""

from __future__ import annotations

from typing import Any

from actorkit._tasks._index import PendingTasks

NONE: frozenset[str] = frozenset()
A = frozenset({"a"})
B = frozenset({"b"})
C = frozenset({"c"})
AB = frozenset({"a", "b"})


def check_compatible(index: PendingTasks[Any]) -> None:
    """Every cached list of compatible groups holds exactly the groups in the index (empty
    ones awaiting a sweep among them) that its capability set can serve."""
    compatible = index._compatible
    for capabilities, groups in (*compatible.young.items(), *compatible._old.items()):
        expected = [g for requires, g in index._groups.items() if requires <= capabilities]
        assert sorted(map(id, groups)) == sorted(map(id, expected)), capabilities


def drain(index: PendingTasks[str], capabilities: frozenset[str]) -> list[str]:
    out = []
    while (item := index.pop_for(capabilities)) is not None:
        out.append(item)
    return out
