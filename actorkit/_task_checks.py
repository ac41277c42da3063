"""Argument checks for `submit`: each error says what to change. Kept cheap for the
common cases, since they run on every submit."""

from __future__ import annotations

import math
from collections.abc import Iterable

_NOTHING: frozenset[str] = frozenset()
_COLLECTIONS = (tuple, list, set, frozenset)


def check_int(what: str, value: object) -> int:
    # A plain int passes on the first test; a bool is an int to Python but a mistake here.
    if type(value) is not int and (not isinstance(value, int) or isinstance(value, bool)):
        raise TypeError(f"{what} must be an int, got {type(value).__name__} {value!r}")
    return value


def check_deadline(deadline: object) -> float | None:
    if deadline is None:
        return None
    if not isinstance(deadline, int | float) or isinstance(deadline, bool):
        raise TypeError(
            "deadline must be a number of seconds from now (or None), "
            f"got {type(deadline).__name__}"
        )
    if not deadline > 0 or math.isinf(deadline):
        raise ValueError(
            f"deadline must be a finite number of seconds > 0 from now (None for no deadline), "
            f"got {deadline!r}"
        )
    return float(deadline)


def check_requires(requires: object) -> frozenset[str]:
    if requires == ():
        return _NOTHING
    # Concrete collections first (a tuple of types, not a union: faster to check); the
    # isinstance check against the Iterable ABC is slow.
    if not isinstance(requires, _COLLECTIONS) and (
        isinstance(requires, str) or not isinstance(requires, Iterable)
    ):
        raise TypeError(
            f"requires must be an iterable of capability names such as ('gpu',), got {requires!r}"
        )
    needed = frozenset(requires)
    for item in needed:
        if not isinstance(item, str) or not item:
            raise TypeError(f"each required capability must be a non-empty str, got {item!r}")
    return needed
