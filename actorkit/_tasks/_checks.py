"""Argument checks for `submit`: each error says what to change. Kept cheap for the
common cases, since they run on every submit."""

from __future__ import annotations

from .._integers import integer
from .._names import check_names
from .._seconds import check_seconds


def check_int(what: str, value: object) -> int:
    # A plain int, as the queue's heap compares: an int subclass's own __lt__ would run there.
    return integer(value, f"{what} must be an int, got")


def check_retries(retries: object) -> int:
    retries = check_int("retries", retries)
    if retries < 0:
        raise ValueError(f"retries must be >= 0 (0 means one attempt only), got {retries}")
    return retries


def check_deadline(deadline: object) -> float:
    return check_seconds(deadline, "deadline", hint=" from now (None for no deadline)")


CHECKED_REQUIRES: dict[object, frozenset[str]] = {}
"""Checked requirement sets by the tuple or frozenset they were given as, used this turn.
Submitters repeat their sets: a hit skips the check and shares one frozenset among all their
tasks (one object fewer per pending task for the garbage collector to walk)."""
_CHECKED_BEFORE: dict[object, frozenset[str]] = {}
"""Those used in the turn before: a set unused for a whole turn goes, so churn through sets
(a requirement per job) leaves both bounded, while thousands in use (a requirement per
tenant) stay, where a cache cleared when full would check them all again, round after round."""
REQUIRES_CACHED = 4096


def check_requires(requires: object) -> frozenset[str]:
    kind = type(requires)
    if kind is tuple or kind is frozenset:
        try:
            return CHECKED_REQUIRES[requires]
        except Exception:  # unhashable items, which the check rejects, or a raising __hash__
            pass  # checked below, outside the handler, so the refusal is not chained to it
        try:
            needed: frozenset[str] | None = _CHECKED_BEFORE.pop(requires, None)
        except Exception:
            needed = None
        if needed is None:
            needed = check_names(requires, "requires", "each required capability")
            assert isinstance(requires, tuple | frozenset)
            if not all(type(item) is str for item in requires):  # a key whose __eq__ is str's
                return needed
        if len(CHECKED_REQUIRES) >= REQUIRES_CACHED:
            _CHECKED_BEFORE.clear()
            _CHECKED_BEFORE.update(CHECKED_REQUIRES)  # in place: the layer holds the dict
            CHECKED_REQUIRES.clear()
        CHECKED_REQUIRES[requires] = needed
        return needed
    return check_names(requires, "requires", "each required capability")


def checked() -> int:
    """Requirement sets kept, of both turns."""
    return len(CHECKED_REQUIRES) + len(_CHECKED_BEFORE)


def forget_checked() -> None:
    CHECKED_REQUIRES.clear()
    _CHECKED_BEFORE.clear()
