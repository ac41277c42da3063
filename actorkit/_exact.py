"""A checked argument as the exact built-in type, read from its value without calling any
method of its class.

A subclass of int, float or str passes an `isinstance` check (an `IntEnum` member, numpy's
`float64`, `numpy.str_`, a `StrEnum` member) and should: it is a number or a text. Kept as
given, though, its own `__lt__`, `__eq__`, `__hash__`, `__float__` or `__format__` would run
later, inside the runtime: in the task queue's heap, a name registry's dict, the timer queue,
a path built by formatting. A method that raises there fails a call that did nothing wrong, or
the system's shutdown; one that answers inconsistently corrupts the structure. The slot
wrappers of the built-in types (`int.__int__`, `float.__float__`, `str.__str__`) copy the
value out of a subclass and return the built-in type; nothing of the subclass runs.
"""

from __future__ import annotations


def exact_int(value: int) -> int:
    return value if type(value) is int else int.__int__(value)


def exact_number(value: float) -> float:
    """An int stays an int (10**400 is not a float), a float a float."""
    if type(value) is int or type(value) is float:
        return value
    return int.__int__(value) if isinstance(value, int) else float.__float__(value)


def exact_str(value: str) -> str:
    return value if type(value) is str else str.__str__(value)
