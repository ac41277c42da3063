"""The sizes of the runtime's tables, found by walking what a system holds: every dict, list,
set and deque an actorkit object keeps in an attribute, summed per owner class and attribute
name (`Cell.watchers` is the sum over every live cell). A table that keeps something per
ended actor, ask, timer or task grows with the rounds of a loop that ends each one; a bounded
one (a ring, a cache) stops at its bound."""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterator
from typing import Any

TABLES = (dict, list, set, frozenset, tuple, deque)


def _attributes(obj: object) -> Iterator[tuple[str, object]]:
    own = getattr(obj, "__dict__", None)
    if isinstance(own, dict):
        yield from list(own.items())
    for klass in type(obj).__mro__:
        slots = klass.__dict__.get("__slots__", ())
        for slot in (slots,) if isinstance(slots, str) else slots:
            descriptor = klass.__dict__.get(slot)
            if slot in ("__dict__", "__weakref__") or descriptor is None:
                continue
            try:
                yield slot, descriptor.__get__(obj, type(obj))
            except AttributeError:  # a slot not set
                continue


def _items(table: Any) -> list[object]:
    if isinstance(table, dict):
        return [part for pair in table.items() for part in pair]
    return list(table)


def census(*roots: object) -> Counter[str]:
    """`len` of every table an actorkit object reachable from `roots` keeps, by
    `OwnerClass.attribute` (`[]` after it: the tables held in that table, summed)."""
    sizes: Counter[str] = Counter()
    seen: set[int] = set()
    stack: list[tuple[object, str]] = [(root, "") for root in roots]
    while stack:
        obj, where = stack.pop()
        if id(obj) in seen or isinstance(obj, str | bytes | int | float | type):
            continue
        seen.add(id(obj))
        if isinstance(obj, TABLES):
            for item in _items(obj):
                if isinstance(item, TABLES) and where:
                    sizes[f"{where}[]"] += len(item)
                stack.append((item, f"{where}[]" if where else ""))
            continue
        if not type(obj).__module__.startswith("actorkit"):
            continue
        owner = type(obj).__qualname__
        for name, value in _attributes(obj):
            if isinstance(value, TABLES):
                sizes[f"{owner}.{name}"] += len(value)
                stack.append((value, f"{owner}.{name}"))
            elif type(value).__module__.startswith("actorkit"):
                stack.append((value, ""))
    return sizes


def grown(before: Counter[str], middle: Counter[str], after: Counter[str], *, by: int) -> list[str]:
    """The tables that grew by at least `by` in each of two equal runs of rounds."""
    return sorted(
        f"{table}: {before[table]} -> {middle[table]} -> {after[table]}"
        for table in after
        if middle[table] - before[table] >= by and after[table] - middle[table] >= by
    )
