"""Whether a value a store keeps reads back as itself (`Codec.encode_value`).

A registered class is rebuilt from its fields by their annotations, which turn a list into a
tuple for a `tuple[...]` field and a tuple into a list for a `list[...]` one. Sent as a
message, the receiver gets the annotated kind, as it asked; stored as an event, the live
actor applies what it was given and every recovery applies the other kind, so the two states
differ (`[1] != (1,)`, a list's methods gone after a restart). An int read back as the float
its field is annotated with equals it, and NaN reads back as NaN: both are kept."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

Fields = Callable[[type], Sequence[str]]
"""The field names of a registered class that cross."""

_SEQUENCES = (list, tuple)
_PLAIN = frozenset({str, int, float, bool, type(None), bytes})


def unkept(given: Any, got: Any, fields: Fields, where: str = "") -> str | None:
    """Where `got`, what reading `given` back made of it, holds a tuple for a list or a
    list for a tuple, said for an error; None when it holds what `given` does."""
    kind = type(given)
    if kind in _PLAIN:
        return None
    if kind in _SEQUENCES:
        if type(got) is not kind:
            other = type(got).__name__
            return f"{where or 'the value'} is a {kind.__name__}, which reads back as a {other}"
        for index, (item, back) in enumerate(zip(given, got, strict=False)):
            found = unkept(item, back, fields, f"{where}[{index}]")
            if found is not None:
                return found
        return None
    if kind is dict:
        if type(got) is not dict:
            return None
        for key, item in given.items():
            found = unkept(item, got.get(key), fields, f"{where}[{key!r}]")
            if found is not None:
                return found
        return None
    if type(got) is not kind:  # an `Any` field keeps the class; no other reads back at all
        return None
    prefix = where or kind.__qualname__
    for name in fields(kind):
        found = unkept(getattr(given, name), getattr(got, name), fields, f"{prefix}.{name}")
        if found is not None:
            return found
    return None
