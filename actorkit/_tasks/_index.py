"""The pending-task index: which waiting task an idle agent should take next.

An idle agent must get the best pending task it can serve (requirements a subset of its
capabilities; highest priority, then earliest submitted). Scanning every pending task per
idle agent would make dispatch O(pending), so tasks are grouped by their requirement set —
there are few distinct sets — and an agent only compares the heads of the groups it can
serve; that list of groups is cached per capability set.

Within a group, tasks are kept per priority level, and a level in order of seq (the order of
submission). Tasks nearly always arrive in seq order, so a level is a deque appended at the
back and popped at the front; only the few that arrive out of order (a requeued task keeps
its first seq) go to a small heap beside it. A group keeps a heap of its priorities, which
are few. A heap of all 100,000 pending tasks instead costs a `heappop` of about 17 levels of
tuple comparisons per dispatched task, the largest single cost of dispatch.

Pure data structure: no asyncio and no other actorkit imports, so it can be tested and
benchmarked on its own.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Hashable, Iterable
from typing import Generic, TypeVar

T = TypeVar("T", bound=Hashable)

# An entry is one int, `key(priority, seq, stamp)`, beside its item: ints are not tracked by
# the garbage collector, where a tuple per pending task would be (100,000 pending tasks made
# the collector's full passes the largest single cost of a burst of submits). The key
# orders entries by priority (highest first), then seq; `stamp` is unique per push, so keys
# never tie even when a requeue reuses a seq. An entry is live while `_live[item]` is its
# key: remove() leaves stale entries behind, dropped when they surface.
_SEQ_LIMIT = 1 << 64
_PRIORITY_SHIFT = 128

# Stale entries below a group's heads are only dropped when they surface; rebuilding a
# group once it is over half stale bounds memory under heavy cancellation. The slack keeps
# small groups from being rebuilt on nearly every remove().
_COMPACT_SLACK = 32


class _Level(Generic[T]):
    """The pending tasks of one group at one priority, in key order: `keys` and `items` in
    step for those that arrived in order, `late` (a heap of keys, with `late_items`) for
    those that did not."""

    __slots__ = ("base", "group", "items", "keys", "late", "late_items", "priority")

    def __init__(self, group: _Group[T], priority: int) -> None:
        self.group = group
        self.priority = priority
        self.base = -priority << _PRIORITY_SHIFT
        """The priority's part of every key in this level."""
        self.keys: deque[int] = deque()
        self.items: deque[T] = deque()
        self.late: list[int] = []
        self.late_items: dict[int, T] = {}


class _Group(Generic[T]):
    """All pending tasks that share one requirement set."""

    __slots__ = ("head", "head_level", "levels", "live", "priorities", "requires", "size")

    def __init__(self, requires: frozenset[str]) -> None:
        self.requires = requires
        self.levels: dict[int, _Level[T]] = {}
        self.priorities: list[int] = []
        """A heap of the levels' negated priorities: the best level is `-priorities[0]`."""
        self.live = 0
        self.size = 0
        """Entries held, stale ones included."""
        self.head: int | None = None
        """The key of the best live entry when known (in `head_level`); None: find it again."""
        self.head_level: _Level[T] | None = None


class PendingTasks(Generic[T]):
    """Pending tasks indexed by requirement set, served best-first to capable agents."""

    def __init__(self) -> None:
        self._groups: dict[frozenset[str], _Group[T]] = {}
        # Per capability set, the groups it can serve. Every cached group is in `_groups`:
        # the cache is cleared whenever a group is created or dropped.
        self._compatible: dict[frozenset[str], list[_Group[T]]] = {}
        self._live: dict[T, int] = {}
        """Item -> the key of its live entry."""
        self._level_of: dict[T, _Level[T]] = {}
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
        elif not 0 <= seq < _SEQ_LIMIT:
            raise ValueError(f"seq must be in [0, 2**64), got {seq}")
        group = self._groups.get(requires)
        if group is None:
            group = self._groups[requires] = _Group(requires)
            self._compatible.clear()
        level = group.levels.get(priority)
        if level is None:
            level = group.levels[priority] = _Level(group, priority)
            heapq.heappush(group.priorities, -priority)
        stamp = self._next_stamp
        self._next_stamp = stamp + 1
        key = level.base + (seq << 64) + stamp
        keys = level.keys
        if not keys or key > keys[-1]:
            keys.append(key)
            level.items.append(item)
        else:
            heapq.heappush(level.late, key)
            level.late_items[key] = item
        group.live += 1
        group.size += 1
        self._live[item] = key
        self._level_of[item] = level
        head = group.head
        if head is not None and key < head:
            group.head = None  # found again by `_best`
        return seq

    def pop_for(self, capabilities: frozenset[str]) -> T | None:
        """Remove and return the best item `capabilities` can serve, or None if none."""
        group = self._best(capabilities)
        if group is None:
            return None
        key = group.head
        level = group.head_level
        assert key is not None
        assert level is not None
        keys = level.keys
        if keys and keys[0] == key:
            keys.popleft()
            item = level.items.popleft()
        else:
            heapq.heappop(level.late)
            item = level.late_items.pop(key)
        group.size -= 1
        group.head = None
        if not keys and not level.late:
            heapq.heappop(group.priorities)  # the group's best level was this one
            del group.levels[level.priority]
        del self._live[item]
        del self._level_of[item]
        group.live -= 1
        if not group.live:  # `_discount`, written out: once per dispatched task
            del self._groups[group.requires]
            self._compatible.clear()
        return item

    def peek_for(self, capabilities: frozenset[str]) -> T | None:
        """Return what `pop_for(capabilities)` would return, without removing it."""
        group = self._best(capabilities)
        if group is None:
            return None
        key = group.head
        level = group.head_level
        assert key is not None
        assert level is not None
        return level.items[0] if level.keys and level.keys[0] == key else level.late_items[key]

    def remove(self, item: T) -> bool:
        """Withdraw a pending item (cancelled, or its deadline passed); False if not pending.

        O(1): the entry is left in place and skipped once it reaches the head.
        """
        key = self._live.pop(item, None)
        if key is None:
            return False
        group = self._level_of.pop(item).group
        if group.head == key:
            group.head = None
        self._discount(group)
        if group.live and group.size > 2 * group.live + _COMPACT_SLACK:
            self._compact(group)
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

    def _best(self, capabilities: frozenset[str]) -> _Group[T] | None:
        """The servable group whose head is best, with every candidate's head found (in
        place: it runs once per dispatched task)."""
        groups = self._compatible.get(capabilities)
        if groups is None:
            groups = [g for requires, g in self._groups.items() if requires <= capabilities]
            self._compatible[capabilities] = groups
        live = self._live
        best: _Group[T] | None = None
        best_key = 0
        for group in groups:
            head = group.head
            while head is None:  # find it, dropping stale entries and emptied levels
                priorities = group.priorities
                level = group.levels[-priorities[0]]
                keys, items, late = level.keys, level.items, level.late
                while keys and live.get(items[0]) != keys[0]:
                    keys.popleft()
                    items.popleft()
                    group.size -= 1
                while late and live.get(level.late_items[late[0]]) != late[0]:
                    del level.late_items[heapq.heappop(late)]
                    group.size -= 1
                if keys or late:
                    head = keys[0] if keys and (not late or keys[0] < late[0]) else late[0]
                    group.head = head
                    group.head_level = level
                else:
                    heapq.heappop(priorities)
                    del group.levels[level.priority]
            if best is None or head < best_key:
                best = group
                best_key = head
        return best

    def _compact(self, group: _Group[T]) -> None:
        live = self._live
        for priority, level in list(group.levels.items()):
            kept = [
                (key, item)
                for key, item in zip(level.keys, level.items, strict=True)
                if live.get(item) == key
            ]
            level.keys = deque(key for key, _ in kept)
            level.items = deque(item for _, item in kept)
            level.late_items = {
                key: item for key, item in level.late_items.items() if live.get(item) == key
            }
            level.late = list(level.late_items)
            heapq.heapify(level.late)
            if not level.keys and not level.late:
                del group.levels[priority]
        group.priorities = [-priority for priority in group.levels]
        heapq.heapify(group.priorities)
        group.size = group.live
        group.head = None

    def _discount(self, group: _Group[T]) -> None:
        """Account for one item leaving `group`; drop the group once it has none left.

        Dropping empty groups keeps churn through many distinct requirement sets from
        growing the group table (and every cached list) without bound.
        """
        group.live -= 1
        if not group.live:
            del self._groups[group.requires]
            self._compatible.clear()
