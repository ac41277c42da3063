"""The parts of the pending-task index (`_index.PendingTasks`): a group of tasks sharing a
requirement set, its priority levels, and the rare-path upkeep of both (entries out of
order, stale entries of removed items, compaction).

Pure data structure, like the index itself: no asyncio and no other actorkit imports.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Hashable
from typing import Generic, TypeVar

T = TypeVar("T", bound=Hashable)


class Level(Generic[T]):
    """The pending tasks of one group at one priority, in seq order: `seqs` and `items` in
    step, and `late` (a heap of keys `seq << 64 | stamp`, with `late_items`) for the entries
    that arrived between others."""

    __slots__ = ("base", "group", "items", "late", "late_items", "priority", "seqs")

    def __init__(self, group: Group[T], priority: int) -> None:
        self.group = group
        self.priority = priority
        self.base = -priority << 64
        """The priority's part of the key of every entry in this level."""
        self.seqs: deque[int] = deque()
        self.items: deque[T] = deque()
        self.late: list[int] = []
        self.late_items: dict[int, T] = {}


class Group(Generic[T]):
    """All pending tasks that share one requirement set."""

    __slots__ = (
        "filed",
        "head",
        "head_late",
        "head_level",
        "levels",
        "live",
        "priorities",
        "requires",
        "stale",
    )

    def __init__(self, requires: frozenset[str]) -> None:
        self.requires = requires
        self.levels: dict[int, Level[T]] = {}
        self.priorities: list[int] = []
        """A heap of the levels' negated priorities: the best level is `-priorities[0]`."""
        self.live = 0
        self.stale = 0
        """Entries of removed items still held."""
        self.head: int | None = None
        """The key of the best live entry when known (in `head_level`); None: find it again."""
        self.head_level: Level[T] | None = None
        self.head_late = False
        """Whether that entry is in the level's middle heap."""
        self.filed: str | None = None
        """The required capability it is filed under in `Compatible` (None: requires none)."""

    def clear(self) -> None:
        """Forget every entry: the group has no live item, and its stale ones are dropped."""
        self.levels.clear()
        self.priorities.clear()
        self.stale = 0
        self.head = None


def insert(level: Level[T], item: T, seq: int, stamp: int) -> None:
    """An entry that does not belong at the back: at the front, or in the middle heap."""
    if seq < level.seqs[0]:
        level.seqs.appendleft(seq)
        level.items.appendleft(item)
        return
    key = (seq << 64) + stamp
    heapq.heappush(level.late, key)
    level.late_items[key] = item


def purge(level: Level[T], item: T) -> None:
    """Drop the stale entry of an item pushed again (rare: an O(level) search)."""
    items = level.items
    for i, other in enumerate(items):
        if other == item:
            del items[i]
            del level.seqs[i]
            break
    else:
        key = next(key for key, other in level.late_items.items() if other == item)
        del level.late_items[key]
        level.late.remove(key)
        heapq.heapify(level.late)
    level.group.stale -= 1
    if level.group.head_level is level:
        level.group.head = None


def compact(group: Group[T], live: dict[T, Level[T]], stale: dict[T, Level[T]]) -> None:
    """Keep only the live entries of a group; forget the stale ones in `stale`."""
    for priority, level in list(group.levels.items()):
        seqs: deque[int] = deque()
        items: deque[T] = deque()
        for seq, item in zip(level.seqs, level.items, strict=True):
            if item in live:
                seqs.append(seq)
                items.append(item)
            else:
                del stale[item]
        level.seqs, level.items = seqs, items
        for key, item in list(level.late_items.items()):
            if item not in live:
                del level.late_items[key], stale[item]
        level.late = list(level.late_items)
        heapq.heapify(level.late)
        if not level.items and not level.late:
            del group.levels[priority]
    group.priorities = [-priority for priority in group.levels]
    heapq.heapify(group.priorities)
    group.stale = 0
    group.head = None
