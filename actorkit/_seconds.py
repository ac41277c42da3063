"""The one check for a duration a user hands the runtime (timeouts, delays, intervals,
thresholds, deadlines), so every such argument fails the same way, before anything has
changed: a `TypeError` for what is not a number of seconds (a bool included: `True` is an int
to Python but a mistake here), a `ValueError` for NaN, infinity, a negative value, or zero
where zero means nothing useful. Infinity is refused because every wait in actorkit is
bounded; a very long wait is still a number."""

from __future__ import annotations

import math

FOREVER = math.inf
"""Shared with `ActorRef.ask`, which inlines the fast path of the check."""


def check_seconds(value: object, what: str, *, zero_ok: bool = False, hint: str = "") -> float:
    """`value` as a float, or the error that says what to pass instead; `hint` is appended
    to the message (`" from now (None for no deadline)"`). Cheap for a good float or int,
    since timers and `submit` call it every time."""
    kind = type(value)
    if (kind is float or kind is int) and (
        0 < value < FOREVER or (zero_ok and value == 0)  # type: ignore[operator]
    ):
        return value if kind is float else float(value)  # type: ignore[return-value,arg-type]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(
            f"{what} must be a number of seconds{hint}, got {type(value).__name__} {value!r}"
        )
    if not (value > 0 or (zero_ok and value == 0)) or math.isinf(value):
        floor = ">= 0" if zero_ok else "> 0"
        raise ValueError(f"{what} must be {floor} seconds and finite{hint}, got {value!r}")
    return float(value)  # a subclass of int or float (numpy's float64, an IntEnum)
