"""Argument checks for `submit`: each error says what to change. Kept cheap for the
common cases, since they run on every submit."""

from __future__ import annotations

from collections.abc import Iterable

from .._seconds import check_seconds

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
    return check_seconds(deadline, "deadline", hint=" from now (None for no deadline)")


def check_names(value: object, what: str, each: str) -> frozenset[str]:
    """A set of capability names, from any iterable of non-empty strings (a bare str is a
    mistake: it would be read as a set of letters)."""
    if value == ():
        return _NOTHING
    # Concrete collections first (a tuple of types, not a union: faster to check); the
    # isinstance check against the Iterable ABC is slow.
    if not isinstance(value, _COLLECTIONS) and (
        isinstance(value, str) or not isinstance(value, Iterable)
    ):
        raise TypeError(f"{what} must be an iterable of strings such as ('gpu',), got {value!r}")
    names = frozenset(value)
    for item in names:
        if not isinstance(item, str) or not item:
            raise TypeError(f"{each} must be a non-empty str, got {item!r}")
    return names


def check_requires(requires: object) -> frozenset[str]:
    return check_names(requires, "requires", "each required capability")
