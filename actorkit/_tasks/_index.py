"""The pending-task index: which waiting task an idle agent should take next.

An idle agent must get the best pending task it can serve (requirements a subset of its
capabilities; highest priority, then earliest submitted). Scanning every pending task per
idle agent would make dispatch O(pending), so tasks are grouped by their requirement set —
far fewer than tasks, if sometimes thousands — and an agent only compares the heads of the
groups it can serve; that list of groups is cached per capability set and kept current as
groups are made and dropped (`_compatible`). A group left empty is dropped in a later sweep,
not at once: with many requirement sets, groups empty and fill again all the time, and each
drop and remake updates the lists of every set that can serve it.

Within a group, tasks are kept per priority level, and a level in order of seq (the order of
submission): two deques in step, seqs and items. Tasks nearly always arrive in seq order (a
requeued task keeps its first seq, older than anything still waiting at its level), so they
are appended at the back, or at the front; only the rare one that belongs in the middle goes
to a small heap beside them. A group keeps a heap of its priorities, which are few. A heap
of all pending tasks instead costs a `heappop` of about 17 levels of tuple comparisons per
dispatched task, the largest single cost of dispatch. The entries are ints and the items
themselves, so a pending task adds no object for the garbage collector to walk.

`remove` is O(1): the entry of a level's oldest item goes at once (deadlines and cancels
mostly come in the order of submission); any other stays in place, stale, and is dropped when
it surfaces (or when its group is compacted). An item has at most one stale entry, dropped at
once if the item is pushed again, so an entry whose item is pending is always that item's
live entry.

Pure data structure: no asyncio, and nothing of actorkit but its own parts (`_levels`), so it
can be tested and benchmarked on its own.
"""

from __future__ import annotations

import heapq
from collections.abc import Hashable, Iterable, Sized
from operator import itemgetter
from typing import Generic, TypeVar

from ._compatible import SETS_CACHED, Compatible
from ._levels import Group, Level, compact, insert, purge

__all__ = ["SETS_CACHED", "PendingTasks"]

T = TypeVar("T", bound=Hashable)

_SEQ_LIMIT = 1 << 64
"""Seqs are below it. A group's head is ranked by the key `(-priority << 64) + seq`, so one
comparison orders two heads; a key of a level's middle heap is `seq << 64 | stamp`, unique
per push."""

# Stale entries below a group's heads are only dropped when they surface; rebuilding a
# group once it is over half stale bounds memory under heavy cancellation. The slack keeps
# small groups from being rebuilt on nearly every remove().
_COMPACT_SLACK = 32
_SWEEP_SLACK = 32
"""Empty groups are swept once they outnumber the live ones by this many: memory stays
within twice the live groups, and a sweep's cost is spread over the groups it drops."""


class PendingTasks(Generic[T]):
    """Pending tasks indexed by requirement set, served best-first to capable agents."""

    def __init__(self, live_sets: Sized = ()) -> None:
        """`live_sets`: the capability sets of the live agents (their count sizes the cache of
        compatible groups, so that it holds them all however many)."""
        self._groups: dict[frozenset[str], Group[T]] = {}
        """Every group, the empty ones awaiting a sweep among them."""
        self._empty = 0
        # Per capability set, the groups it can serve: exactly those in `_groups`.
        self._compatible: Compatible[T] = Compatible(live_sets)
        self._live: dict[T, Level[T]] = {}
        """Item -> the level of its live entry."""
        self._stale: dict[T, Level[T]] = {}
        """Item -> the level of its stale entry, for the items removed and not yet dropped."""
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
        live = self._live
        if item in live:
            raise ValueError(f"{item!r} is already pending")
        if seq is None:
            seq = self._next_seq
            self._next_seq = seq + 1
        elif not 0 <= seq < _SEQ_LIMIT:
            raise ValueError(f"seq must be in [0, 2**64), got {seq}")
        if self._stale and item in self._stale:
            purge(self._stale.pop(item), item)
        group = self._groups.get(requires) or self._new_group(requires)
        if not group.live:
            self._empty -= 1
        level = group.levels.get(priority) or _new_level(group, priority)
        seqs = level.seqs
        if seqs and seq <= seqs[-1]:
            insert(level, item, seq, self._next_stamp)
            self._next_stamp += 1
        else:
            seqs.append(seq)
            level.items.append(item)
        live[item] = level
        group.live += 1
        head = group.head
        if head is not None and level.base + seq < head:
            group.head = None  # found again by `_best`
        return seq

    def pop_for(self, capabilities: frozenset[str]) -> T | None:
        """Remove and return the best item `capabilities` can serve, or None if none: the
        head of best key among the groups it can serve (found here, in place: this runs once
        per dispatched task)."""
        groups = self._compatible.young.get(capabilities)
        if groups is None:
            groups = self._compatible.find(capabilities)
        group: Group[T] | None = None
        best_key = 0
        for candidate in groups:
            key = candidate.head
            if key is None:
                if not candidate.live:
                    continue  # empty, awaiting a sweep
                key = self._find_head(candidate)
            if group is None or key < best_key:
                group = candidate
                best_key = key
        if group is None:
            return None
        level: Level[T] = group.head_level  # type: ignore[assignment]  # found with the head
        seqs = level.seqs
        if group.head_late:
            item = level.late_items.pop(heapq.heappop(level.late))
            group.head_late = False
        else:
            seqs.popleft()
            item = level.items.popleft()
        del self._live[item]
        group.live -= 1
        if seqs and not level.late and not self._stale:
            group.head = level.base + seqs[0]  # the commonest next head: the next one here
        else:
            group.head = None
            if not seqs and not level.late:
                heapq.heappop(group.priorities)  # the group's best level was this one
                del group.levels[level.priority]
        if not group.live:
            self._emptied(group)
        return item

    def remove(self, item: T) -> bool:
        """Withdraw a pending item (cancelled, or its deadline passed); False if not pending.

        O(1): the entry is left in place and skipped once it reaches the head, unless it is
        its level's oldest, which goes at once.
        """
        live = self._live
        level = live.pop(item, None)
        if level is None:
            return False
        group = level.group
        if group.head_level is level:
            group.head = None
        group.live -= 1
        items = level.items
        if items and items[0] == item:
            # The oldest of its level: the common case (deadlines and cancels in the order of
            # submission), where leaving a stale entry would only make work for `compact`.
            # The stale entries it uncovers go with it.
            seqs, stale = level.seqs, self._stale
            seqs.popleft()
            items.popleft()
            while items and items[0] not in live:
                seqs.popleft()
                del stale[items.popleft()]
                group.stale -= 1
        else:
            self._stale[item] = level
            group.stale += 1
        if not group.live:
            self._emptied(group)
        elif group.stale > group.live + _COMPACT_SLACK:
            compact(group, self._live, self._stale)
        return True

    def drain(self) -> list[T]:
        """Remove every pending item and return them best first, as `pop_for` given every
        capability would one at a time (items of equal key, which only seqs given twice make,
        in no promised order). `pop_for` compares the heads of every group it can serve per
        item: for the tasks pending at shutdown over many requirement sets, a sort of their
        keys costs far less."""
        live = self._live
        keyed: list[tuple[int, T]] = []
        for group in self._groups.values():
            if not group.live:
                continue
            for level in group.levels.values():
                base = level.base
                entries = zip(level.seqs, level.items, strict=True)
                keyed += [(base + seq, item) for seq, item in entries if item in live]
                late = level.late_items.items()
                keyed += [(base + (key >> 64), item) for key, item in late if item in live]
        keyed.sort(key=_first)
        self._groups.clear()
        self._compatible.clear()
        self._empty = 0
        live.clear()
        self._stale.clear()
        return [item for _, item in keyed]

    def __len__(self) -> int:
        return len(self._live)

    def __contains__(self, item: object) -> bool:
        return item in self._live

    def groups(self) -> dict[frozenset[str], int]:
        """Live item count per requirement set, for metrics and spotting unserved work."""
        return {requires: group.live for requires, group in self._groups.items() if group.live}

    def unservable(self, all_capabilities: Iterable[frozenset[str]]) -> int:
        """Count pending items that none of the given capability sets can serve.

        These tasks will wait forever unless an agent with new capabilities joins, which
        is worth alerting on.
        """
        capability_sets = set(all_capabilities)
        return sum(
            group.live
            for requires, group in self._groups.items()
            if group.live and not any(requires <= capabilities for capabilities in capability_sets)
        )

    def _new_group(self, requires: frozenset[str]) -> Group[T]:
        group = self._groups[requires] = Group(requires)
        self._empty += 1  # until its first item, counted in by `push`
        self._compatible.added(group)
        return group

    def _find_head(self, group: Group[T]) -> int:
        """Find a live group's best entry, dropping the stale entries and emptied levels
        above it; return its key."""
        live, stale = self._live, self._stale
        while True:
            priorities = group.priorities
            level = group.levels[-priorities[0]]
            seqs, items, late = level.seqs, level.items, level.late
            while items and items[0] not in live:
                seqs.popleft()
                del stale[items.popleft()]
                group.stale -= 1
            while late and level.late_items[late[0]] not in live:
                del stale[level.late_items.pop(heapq.heappop(late))]
                group.stale -= 1
            if items or late:
                group.head_level = level
                group.head_late = late_first = not items or (late != [] and late[0] >> 64 < seqs[0])
                key = group.head = level.base + (late[0] >> 64 if late_first else seqs[0])
                return key
            heapq.heappop(priorities)
            del group.levels[level.priority]

    def _emptied(self, group: Group[T]) -> None:
        """A group has no live item left: drop its stale entries now, and the group itself in
        the next sweep. Sweeping empty groups keeps churn through many distinct requirement
        sets from growing the group table (and every cached list) without bound."""
        stale = self._stale
        for level in group.levels.values():
            for item in (*level.items, *level.late_items.values()):
                del stale[item]
        group.clear()
        self._empty = empty = self._empty + 1
        if empty > len(self._groups) - empty + _SWEEP_SLACK:
            self._sweep()

    def _sweep(self) -> None:
        groups, compatible = self._groups, self._compatible
        for group in [group for group in groups.values() if not group.live]:
            del groups[group.requires]
            compatible.dropped(group)
        self._empty = 0


_first = itemgetter(0)


def _new_level(group: Group[T], priority: int) -> Level[T]:
    level = group.levels[priority] = Level(group, priority)
    heapq.heappush(group.priorities, -priority)
    return level
