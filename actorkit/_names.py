"""Sets of names (capabilities, required capabilities): one check, with an error that says
what to pass. A leaf, so the kernel (spawn) and the task layer share it."""

from __future__ import annotations

import reprlib
from collections.abc import Iterable

NOTHING: frozenset[str] = frozenset()
_COLLECTIONS = (tuple, list, set, frozenset)


def check_names(value: object, what: str, each: str) -> frozenset[str]:
    """A set of capability names, from any iterable of non-empty strings (a bare str is a
    mistake: it would be read as a set of letters)."""
    if value == ():
        return NOTHING
    # Concrete collections first (a tuple of types, not a union: faster to check); the
    # isinstance check against the Iterable ABC is slow.
    if not isinstance(value, _COLLECTIONS) and (
        isinstance(value, str) or not isinstance(value, Iterable)
    ):
        raise TypeError(
            f"{what} must be an iterable of strings such as ('gpu',), got {reprlib.repr(value)}"
        )
    items = tuple(value)
    for item in items:
        if not isinstance(item, str) or not item:
            # reprlib: a deeply nested list would exhaust the recursion limit in repr
            raise TypeError(f"{each} in {what} must be a non-empty str, got {reprlib.repr(item)}")
    return frozenset(items)
