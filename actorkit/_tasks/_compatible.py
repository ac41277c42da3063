"""Per capability set, the groups of pending tasks it can serve (`PendingTasks.pop_for`).

The lists are kept current as groups come and go rather than rebuilt: with thousands of
requirement sets, groups are made and emptied all the time, and a rebuild scans them all.
Two indexes make both directions cheap. Each group is filed under one of its required
capabilities (the one with the fewest groups filed so far), so the groups a capability set
can serve are found among those filed under its own capabilities; and each cached list is
filed under every capability of its set, so a new group reaches exactly the lists of the
sets that hold one of its capabilities (the rarest among the lists).

The cache is bounded, so that churn through many capability sets (agents made per tenant)
does not grow it: two generations, the lists used since the last turn and those used in the
turn before; a list unused for a whole turn goes. A turn is `SETS_CACHED` lists plus one per
live capability set (`live_sets`, the owner's count), so the lists of live agents, however
many, survive while they are in use.

Pure data structure: nothing of actorkit but `_levels`.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sized
from typing import Any, Generic, TypeVar

from ._levels import Group

T = TypeVar("T", bound=Hashable)

SETS_CACHED = 256
"""Entries a cache keyed by capability or requirement set (here, and in `IdleAgents`) keeps
per turn beyond those of the live sets: sets long gone leave after a turn unused."""


class Compatible(Generic[T]):
    """The groups each capability set can serve, for the index that owns the groups."""

    __slots__ = ("_filed", "_holders", "_live_sets", "_old", "young")

    def __init__(self, live_sets: Sized) -> None:
        self._live_sets = live_sets
        self.young: dict[frozenset[str], list[Group[T]]] = {}
        """Lists used this turn: the owner's fast path reads it directly."""
        self._old: dict[frozenset[str], list[Group[T]]] = {}
        # Capability -> the cached lists of the sets that have it (young and old).
        self._holders: dict[str, dict[frozenset[str], list[Group[T]]]] = {}
        # Capability (None: no requirement) -> the groups filed under it.
        self._filed: dict[str | None, dict[Group[T], None]] = {}

    def __len__(self) -> int:
        return len(self.young) + len(self._old)

    def find(self, capabilities: frozenset[str]) -> list[Group[T]]:
        """The list for a set not used this turn: kept from the last turn, or made."""
        groups = self._old.pop(capabilities, None)
        if len(self.young) >= SETS_CACHED + len(self._live_sets):
            self._turn()
        if groups is None:
            groups = self._make(capabilities)
        self.young[capabilities] = groups
        return groups

    def added(self, group: Group[T]) -> None:
        """A group was made: file it, and add it to the lists of the sets that can serve it."""
        requires, filed = group.requires, self._filed
        key = rarest(requires, filed) if requires else None
        filed.setdefault(key, {})[group] = None
        group.filed = key
        for groups in self._serving(requires):
            groups.append(group)

    def clear(self) -> None:
        """Every group left at once (the index drained): no list holds anything now."""
        self.young.clear()
        self._old.clear()
        self._holders.clear()
        self._filed.clear()

    def dropped(self, group: Group[T]) -> None:
        """A group left the index: unfile it and take it out of every list."""
        filed = self._filed[group.filed]
        del filed[group]
        if not filed:
            del self._filed[group.filed]
        for groups in self._serving(group.requires):
            groups.remove(group)

    def _serving(self, requires: frozenset[str]) -> list[list[Group[T]]]:
        """The cached lists of the sets that hold every capability in `requires`."""
        if not requires:
            return [*self.young.values(), *self._old.values()]
        held = self._holders.get(rarest(requires, self._holders))
        if not held:
            return []
        if len(requires) == 1:  # every set holding it
            return list(held.values())
        return [groups for capabilities, groups in held.items() if requires <= capabilities]

    def _make(self, capabilities: frozenset[str]) -> list[Group[T]]:
        filed, holders = self._filed, self._holders
        groups = list(filed.get(None, ()))
        for capability in capabilities:
            candidates = filed.get(capability)
            if candidates:
                groups += [g for g in candidates if g.requires <= capabilities]
            holders.setdefault(capability, {})[capabilities] = groups
        return groups

    def _turn(self) -> None:
        """Forget the lists unused for a whole turn."""
        holders = self._holders
        for capabilities in self._old:
            for capability in capabilities:
                held = holders[capability]
                del held[capabilities]
                if not held:
                    del holders[capability]
        self._old, self.young = self.young, {}


def rarest(capabilities: frozenset[str], index: Mapping[Any, Sized]) -> str:
    """The capability (of a non-empty set) with the fewest entries in `index`: a loop, not
    `min(key=...)`, which calls a function per capability; this runs per set made or dropped."""
    best, fewest = "", -1
    for capability in capabilities:
        entries = index.get(capability)
        count = 0 if entries is None else len(entries)
        if fewest < 0 or count < fewest:
            best, fewest = capability, count
    return best
