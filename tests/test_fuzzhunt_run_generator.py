"""`actorkit.run` given a generator: Python 3.11's `asyncio.iscoroutine` still takes one (a
relic of generator-based coroutines, dropped in 3.12), so it passed run's check and failed
inside the loop as "Task got bad yield". Refused as any other value that is no coroutine,
before a loop is made, on every Python the package supports."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import actorkit


def steps() -> Iterator[int]:
    yield 1


def test_a_generator_is_refused_as_no_coroutine() -> None:
    generator: Any = steps()
    with pytest.raises(TypeError, match=r"run needs a coroutine such as main\(\)"):
        actorkit.run(generator)


def test_a_coroutine_still_runs() -> None:
    async def main() -> int:
        return 3

    assert actorkit.run(main()) == 3
