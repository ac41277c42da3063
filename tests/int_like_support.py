"""Integers of other types than `int`, for the tests of the options and store arguments that
take any `numbers.Integral` (`actorkit._exact.index_int`)."""

from __future__ import annotations

import numbers


class Index:
    """An integer by `__index__`, registered as a `numbers.Integral` as numpy's are."""

    def __init__(self, value: int) -> None:
        self.value = value

    def __index__(self) -> int:
        return self.value


numbers.Integral.register(Index)


class Broken:
    """A `numbers.Integral` whose `__index__` fails with an error of its own."""

    def __index__(self) -> int:
        raise RuntimeError("index broke")


numbers.Integral.register(Broken)
