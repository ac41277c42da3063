"""The pending-task index: which waiting task an idle agent should take next.

An idle agent must get the best pending task it can serve (requirements a subset of its
capabilities; highest priority, then earliest submitted). Scanning every pending task per
idle agent would make dispatch O(pending), so tasks are grouped by their requirement set —
there are few distinct sets — and each group is a heap. An agent only compares the heads of
the groups it can serve, and that list of groups is cached per capability set.

Pure data structure: no asyncio and no other actorkit imports, so it can be tested and
benchmarked on its own.
"""

from __future__ import annotations

import heapq
from collections.abc import Hashable, Iterable
from typing import Generic, TypeVar

T = TypeVar("T", bound=Hashable)

# Heap entry: (-priority, seq, stamp, item). `stamp` is unique per push, so tuple comparison
# never reaches `item` (task records need not be orderable) even when a requeue reuses a
# seq, and it tells a live entry from a stale one left behind by remove().
_Entry = tuple[int, int, int, T]

# Stale entries below a heap's head are only dropped when they surface; rebuilding a heap
# once it is over half stale bounds memory under heavy cancellation. The slack keeps small
# heaps from being rebuilt on nearly every remove().
_COMPACT_SLACK = 32


class _Group(Generic[T]):
    """All pending tasks that share one requirement set."""

    __slots__ = ("heap", "live", "requires")

    def __init__(self, requires: frozenset[str]) -> None:
        self.requires = requires
        self.heap: list[_Entry[T]] = []
        self.live = 0


class PendingTasks(Generic[T]):
    """Pending tasks indexed by requirement set, served best-first to capable agents."""

    def __init__(self) -> None:
        self._groups: dict[frozenset[str], _Group[T]] = {}
        # Per capability set, the groups it can serve. Every cached group is in `_groups`:
        # the cache is cleared whenever a group is created or dropped.
        self._compatible: dict[frozenset[str], list[_Group[T]]] = {}
        # item -> (stamp of its live heap entry, its group).
        self._live: dict[T, tuple[int, _Group[T]]] = {}
        self._next_seq = 0
        self._next_stamp = 0

    def push(self, item: T, requires: frozenset[str], priority: int, seq: int | None = None) -> int:
        """Add `item` as pending and return the sequence number that orders it.

        A retried task should be pushed again with the seq it was first given: it was
        submitted before the equal-priority tasks that arrived while it ran, so a fresh seq
        would put it behind them and a task that keeps failing could be starved by a steady
        stream of new work.

        Raises ValueError if `item` is already pending, since two live entries for one task
        would hand it to two agents.
        """
        if item in self._live:
            raise ValueError(f"{item!r} is already pending")
        if seq is None:
            seq = self._next_seq
            self._next_seq += 1
        group = self._groups.get(requires)
        if group is None:
            group = self._groups[requires] = _Group(requires)
            self._compatible.clear()
        stamp = self._next_stamp
        self._next_stamp += 1
        heapq.heappush(group.heap, (-priority, seq, stamp, item))
        group.live += 1
        self._live[item] = (stamp, group)
        return seq

    def pop_for(self, capabilities: frozenset[str]) -> T | None:
        """Remove and return the best item `capabilities` can serve, or None if none."""
        group = self._best_group(capabilities)
        if group is None:
            return None
        item = heapq.heappop(group.heap)[3]
        del self._live[item]
        self._discount(group)
        return item

    def peek_for(self, capabilities: frozenset[str]) -> T | None:
        """Return what `pop_for(capabilities)` would return, without removing it."""
        group = self._best_group(capabilities)
        return None if group is None else group.heap[0][3]

    def remove(self, item: T) -> bool:
        """Withdraw a pending item (cancelled, or its deadline passed); False if not pending.

        O(1): the heap entry is left in place and skipped once it reaches the head.
        """
        record = self._live.pop(item, None)
        if record is None:
            return False
        group = record[1]
        self._discount(group)
        if group.live and len(group.heap) > 2 * group.live + _COMPACT_SLACK:
            group.heap = [entry for entry in group.heap if self._is_live(entry)]
            heapq.heapify(group.heap)
        return True

    def __len__(self) -> int:
        return len(self._live)

    def __contains__(self, item: object) -> bool:
        return item in self._live

    def groups(self) -> dict[frozenset[str], int]:
        """Live item count per requirement set, for metrics and spotting unserved work."""
        return {requires: group.live for requires, group in self._groups.items()}

    def unservable(self, all_capabilities: Iterable[frozenset[str]]) -> int:
        """Count pending items that none of the given capability sets can serve.

        These tasks will wait forever unless an agent with new capabilities joins, which
        is worth alerting on.
        """
        capability_sets = set(all_capabilities)
        return sum(
            group.live
            for requires, group in self._groups.items()
            if not any(requires <= capabilities for capabilities in capability_sets)
        )

    def _best_group(self, capabilities: frozenset[str]) -> _Group[T] | None:
        """The servable group whose head is best, with every candidate head made live."""
        groups = self._compatible.get(capabilities)
        if groups is None:
            groups = [g for requires, g in self._groups.items() if requires <= capabilities]
            self._compatible[capabilities] = groups
        best: _Group[T] | None = None
        for group in groups:
            heap = group.heap
            while not self._is_live(heap[0]):
                heapq.heappop(heap)
            if best is None or heap[0] < best.heap[0]:
                best = group
        return best

    def _is_live(self, entry: _Entry[T]) -> bool:
        record = self._live.get(entry[3])
        return record is not None and record[0] == entry[2]

    def _discount(self, group: _Group[T]) -> None:
        """Account for one item leaving `group`; drop the group once it has none left.

        Dropping empty groups keeps churn through many distinct requirement sets from
        growing the group table (and every cached list) without bound.
        """
        group.live -= 1
        if not group.live:
            del self._groups[group.requires]
            self._compatible.clear()
