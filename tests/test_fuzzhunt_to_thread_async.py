"""`to_thread` given an async function: it would run in a thread only to make a coroutine that
nothing awaits (Python's "coroutine was never awaited"), and return that coroutine as its result;
refused before anything runs, saying to await it instead."""

from __future__ import annotations

import functools
import warnings

import pytest

import actorkit


async def fetch(n: int) -> int:
    return n


class Handler:
    async def __call__(self, n: int) -> int:
        return n


@pytest.mark.parametrize(
    "func", [fetch, functools.partial(fetch, 1), Handler()], ids=["async def", "partial", "object"]
)
async def test_an_async_function_is_refused_before_it_runs(func: object) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a coroutine made and dropped would warn
        with pytest.raises(TypeError, match=r"to_thread\(\) .*async.*await it"):
            await actorkit.to_thread(func, 1)  # type: ignore[arg-type]


async def test_a_plain_function_returning_a_value_still_runs() -> None:
    assert await actorkit.to_thread(lambda: 7) == 7
