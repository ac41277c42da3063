"""Every swept parameter refuses each wrong value of its kind, naming itself."""

from __future__ import annotations

import asyncio
import inspect
import reprlib
from collections.abc import Iterator
from typing import Any

import pytest

from actorkit import ActorSystem

from .sweep_calls import SWEPT
from .sweep_param import Env, Param
from .sweep_values import BAD, Plain

OPEN: dict[str, str] = {}
"""Holes the sweep found and that are not fixed yet: each test here is expected to fail,
and fails once it passes, so this list only shrinks. Empty: every hole it found is fixed."""


MESSAGE_LENGTH = 2_000
"""The longest refusal: it names the wrong value, cut short, not all of it."""


def cases() -> Iterator[Any]:
    for key, param in sorted(SWEPT.items()):
        yield pytest.param(key, param, id=key)


async def refuses(env: Env, key: str, param: Param, value: Any) -> str | None:
    """None when `value` is refused as it should be, else what happened instead."""
    name = key.split(":")[1]
    try:
        async with asyncio.timeout(2.0):
            result = param.call(env, {name: value})
            if inspect.isawaitable(result):
                await result
    except TimeoutError:
        return "hung (no answer in 2 s)"
    except (TypeError, ValueError) as error:
        says = param.says or name
        if says.lower() not in str(error).lower():
            return f"{type(error).__name__} not naming {says!r}: {str(error)[:200]}"
        if len(str(error)) > MESSAGE_LENGTH:
            return f"{type(error).__name__} of {len(str(error)):,} characters"
        return None
    except Exception as error:
        return f"{type(error).__name__}: {str(error)[:200]}"
    return "accepted"


@pytest.mark.parametrize(("key", "param"), list(cases()))
async def test_each_wrong_value_is_refused_naming_the_parameter(key: str, param: Param) -> None:
    async with ActorSystem("sweep") as system:
        env = Env(system, await system.spawn(Plain, name="live"))
        holes = {}
        for value in BAD[param.kind]:
            outcome = await refuses(env, key, param, value)
            if outcome is not None:
                holes[reprlib.repr(value)] = outcome
        assert await env.ref.ask("still here") == "still here"
    if key in OPEN:
        assert holes, f"{key} is refused properly now: remove it from OPEN"
        pytest.xfail(f"{OPEN[key]} ({len(holes)} values)")
    assert holes == {}


def test_the_sweep_size() -> None:
    values = sum(len(BAD[param.kind]) for param in SWEPT.values())
    callables = {key.split(":")[0] for key in SWEPT}
    print(f"{len(callables)} callables, {len(SWEPT)} parameters, {values} calls")
    assert values > 500
