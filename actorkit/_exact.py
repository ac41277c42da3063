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

from numbers import Integral
from operator import index


def exact_int(value: int) -> int:
    return value if type(value) is int else int.__int__(value)


def exact_number(value: object) -> float | None:
    """An int stays an int (10**400 is not a float), a float a float, and another integer
    (`index_int`) an int: a number of seconds or a count as the checks take it, read once,
    so that what is checked is what is kept. None for what is no number, a bool included."""
    if type(value) is int or type(value) is float:
        return value
    if isinstance(value, float):
        return float.__float__(value)
    return index_int(value)


def exact_str(value: str) -> str:
    return value if type(value) is str else str.__str__(value)


INTEGER = " (an integer of any numbers.Integral type, such as numpy.int64, is taken; a bool is not)"
"""What every integer option accepts: the end of its refusal of a value that is no integer."""


def index_int(value: object) -> int | None:
    """`value` as a plain int if it is an integer, else None. An integer is an int (an
    `IntEnum` member included) or a `numbers.Integral`, as numpy's integer types are: an int
    computed with numpy is as good a priority or size as a built-in one. Only a type that
    says it is an integer has its `__index__` run: any other value is refused without
    running its code (tests/test_bad_input_hostile.py). A bool is no integer here: it is an
    int to Python but a mistake where a number is asked for (numpy's bool is no Integral)."""
    if type(value) is int:
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return int.__int__(value)
    if not isinstance(value, Integral):
        return None
    try:
        number = index(value)
    except Exception:  # its own code, which fails its own way: no integer (`not_integer`)
        return None
    return exact_int(number)


def not_integer(value: object, taken: str = INTEGER) -> str:
    """The end of the refusal of `value`, which `index_int` read as no integer: an integral
    type whose `__index__` failed says so, any other what is `taken`."""
    if isinstance(value, int) or not isinstance(value, Integral):  # a bool, or no integer
        return taken
    return (
        f" ({type(value).__name__} is a numbers.Integral, but its __index__ gave no int, "
        "which is how an integer of another type is read)"
    )
