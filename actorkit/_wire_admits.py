"""Which scalar types the fields of a registered class admit, by their annotations, as
`msgspec.convert` does when it rebuilds the class from a store or a message.

A store reads every value back before writing it (`Codec.encode_value`): a value that its
annotations refuse would fail every later recovery of its actor. For the common event, a
dataclass of plain fields annotated with plain types, a look-up of each field's type in a
set is that check, a tenth of the cost of converting; every other class is converted.
"""

from __future__ import annotations

import dataclasses
import operator
import types
import typing
from collections.abc import Callable
from typing import Any

_NONE = type(None)
_SCALARS: frozenset[type] = frozenset({str, int, float, bool, _NONE, bytes})
ScalarFields = Callable[[Any], "dict[str, Any] | None"]
"""An instance's fields as a dict when every one holds a scalar, else None."""
_PLAIN: dict[Any, frozenset[type]] = {
    int: frozenset({int}),  # not bool: msgspec refuses it for an int
    float: frozenset({int, float}),  # an int is converted to a float
    str: frozenset({str}),
    bytes: frozenset({bytes}),
    bool: frozenset({bool}),
    _NONE: frozenset({_NONE}),  # `typing.get_type_hints` makes a `None` annotation this
    Any: _SCALARS,
    object: _SCALARS,
}


def admitted(cls: type, names: tuple[str, ...]) -> tuple[frozenset[type], ...] | None:
    """For each field of `names`, the scalar types its annotation admits; None when that
    cannot be told by type alone: a class that runs code of its own while it is rebuilt
    (`__post_init__`, an attrs class's validators and converters), or an annotation beyond
    plain types, their unions and `Any` (a `Literal`, a constraint, a container, a class)."""
    if not dataclasses.is_dataclass(cls) or hasattr(cls, "__post_init__"):
        return None
    try:
        hints = typing.get_type_hints(cls, include_extras=True)
    except Exception:  # a name it cannot resolve: `msgspec` refused the class already
        return None
    table = []
    for name in names:
        allowed = _admits(hints.get(name))
        if allowed is None:
            return None
        table.append(allowed)
    return tuple(table)


def rounding(cls: type, names: tuple[str, ...]) -> tuple[str, ...]:
    """The fields of `names` whose annotation admits an int only to make a float of it
    (`float`, `float | None`, not `int | float`): a float may round the int (`_wire_kept`).
    Asked of a class that `admitted` judges, whose hints resolve."""
    hints = typing.get_type_hints(cls, include_extras=True)
    return tuple(name for name in names if _floats_ints(hints.get(name)))


def _floats_ints(annotation: Any) -> bool:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        parts: tuple[Any, ...] = typing.get_args(annotation)
    else:
        parts = (annotation,)
    return float in parts and not any(part in (int, Any, object) for part in parts)


def _admits(annotation: Any) -> frozenset[type] | None:
    try:
        plain = _PLAIN.get(annotation)
    except TypeError:  # unhashable: not a plain type
        return None
    if plain is not None:
        return plain
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        parts = [_admits(part) for part in typing.get_args(annotation)]
        if any(part is None for part in parts):
            return None
        return frozenset().union(*parts)  # type: ignore[arg-type]
    return None


def scalar_fields(
    names: tuple[str, ...], table: tuple[frozenset[type], ...] | None
) -> ScalarFields:
    """With a `table` of what each field's annotation admits, a field outside it counts as
    no scalar: the value takes the path that decodes it back, which says what is wrong."""
    if len(names) == 1:
        (field,) = names
        allowed = _SCALARS if table is None else table[0]

        def one(value: Any) -> dict[str, Any] | None:
            item = getattr(value, field)
            return {field: item} if type(item) in allowed else None

        return one
    get = operator.attrgetter(*names) if names else lambda value: ()
    if table is None:

        def many(value: Any) -> dict[str, Any] | None:
            items = get(value)
            if _SCALARS.issuperset(map(type, items)):
                return dict(zip(names, items))  # noqa: B905 (equal lengths; the keyword costs)
            return None

        return many
    admits = frozenset.__contains__

    def checked(value: Any) -> dict[str, Any] | None:
        items = get(value)
        if all(map(admits, table, map(type, items))):
            return dict(zip(names, items))  # noqa: B905 (equal lengths; the keyword costs)
        return None

    return checked
