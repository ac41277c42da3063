"""The refusal every integer option shares: what is no integer is a `TypeError` naming its
type (README's table of bad input), said in the option's own words."""

from __future__ import annotations

from ._exact import index_int, not_integer
from ._shown import given


def integer(value: object, words: str) -> int:
    """`value` as a plain int (`index_int`: any integer, numpy's too), else the `TypeError`
    that begins with `words` ("port must be an int from 0 to 65535, got") and says what was
    given. Ranges stay the caller's: each says its own, as a `ValueError`."""
    number = index_int(value)
    if number is None:
        raise TypeError(f"{words} {type(value).__name__} {given(value)}{not_integer(value)}")
    return number
