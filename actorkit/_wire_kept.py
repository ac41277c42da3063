"""Whether a value a store keeps reads back as itself (`Codec.encode_value`).

A registered class is rebuilt from its fields by their annotations, which turn a list into a
tuple for a `tuple[...]` field and a tuple into a list for a `list[...]` one. Sent as a
message, the receiver gets the annotated kind, as it asked; stored as an event, the live
actor applies what it was given and every recovery applies the other kind, so the two states
differ (`[1] != (1,)`, a list's methods gone after a restart). An int read back as the float
its field is annotated with equals it, and is kept, unless the float rounds it (past 2**53,
as `2**53 + 1`): the live actor would hold one number and every recovery another, so that
is refused the same way. NaN reads back as NaN: it is kept."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ._shown import class_qualname

Fields = Callable[[type], Sequence[str]]
"""The field names of a registered class that cross."""

_SEQUENCES = (list, tuple)
_PLAIN = frozenset({str, float, bool, type(None), bytes})
MOST = 2**53
LEAST = -MOST
"""Every int from `LEAST` to `MOST` is a float exactly; some past them are not. Two names,
each one look-up: the test of every int in a `float` field at persist."""
_REFUSED = "it would not be read back as given: "
_DIFFERS = "so a recovery would apply another value than the live actor did"


def rounded(where: str, given: int) -> str | None:
    """What a float field makes of the int `given`, said for an error, if it is not `given`
    itself; None when the float holds it exactly. Cheap for the common small int."""
    if LEAST <= given <= MOST or float(given) == given:
        return None
    return (
        f"{where} is the int {given}, which reads back as the float {float(given)!r}: its "
        f"annotation makes a float of it, which holds an int exactly only up to 2**53, "
        f"{_DIFFERS}; pass float(...) if the rounding is meant, or annotate the field int"
    )


def refuse_rounded(cls: type, name: str, item: int) -> None:
    """`rounded` for the int `item` in the `float` field `name` of an instance of `cls`, a
    class whose scalar fields are judged by their annotations alone (`_wire_admits`): the
    error `Codec.encode_value` raises for what would not be read back as given. Called only
    past `LEAST` and `MOST`, so that the common small int costs the caller a range test."""
    found = rounded(f"{class_qualname(cls)}.{name}", item)
    if found is not None:
        raise TypeError(f"{_REFUSED}{found}")


def refuse_unkept(given: Any, got: Any, fields: Fields) -> None:
    """The error for a value that `unkept` finds would not read back as itself."""
    found = unkept(given, got, fields)
    if found is not None:
        raise TypeError(f"{_REFUSED}{found}")


def unkept(given: Any, got: Any, fields: Fields, where: str = "") -> str | None:
    """Where `got`, what reading `given` back made of it, holds a tuple for a list, a list for
    a tuple, or a rounded float for an int, and why that matters, said for an error; None when
    it holds what `given` does."""
    kind = type(given)
    if kind in _PLAIN:
        return None
    if kind is int:
        return rounded(where or "the value", given) if type(got) is float else None
    if kind in _SEQUENCES:
        if type(got) is not kind:
            other = type(got).__name__
            return (
                f"{where or 'the value'} is a {kind.__name__}, which reads back as a {other}: "
                f"its annotation rebuilds the other kind of sequence, {_DIFFERS}; pass the kind "
                "its field is annotated with"
            )
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
    prefix = where or class_qualname(kind)
    for name in fields(kind):
        found = unkept(getattr(given, name), getattr(got, name), fields, f"{prefix}.{name}")
        if found is not None:
            return found
    return None
