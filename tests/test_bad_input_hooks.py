"""Mistakes refused where they are made: a hook written without `async` fails at spawn, not
at the first message; a pool resize that runs out of time says so with `AskTimeout`."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, AskTimeout, ChildSpec, Supervisor


class SyncReceive(Actor):
    def receive(self, message: Any) -> Any:  # type: ignore[override]
        return message


class SyncOnStart(Actor):
    def on_start(self) -> None:  # type: ignore[override]
        pass


class SyncOnStop(Actor):
    def on_stop(self) -> None:  # type: ignore[override]
        pass


class GeneratorReceive(Actor):
    async def receive(self, message: Any) -> Any:  # type: ignore[override]
        yield message


class NoneReceive(Actor):
    receive = None  # type: ignore[assignment]


def logged(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def wrapper(*args: Any) -> Any:
        return method(*args)

    return wrapper


class Decorated(Actor):
    """A wrapper that keeps `__wrapped__` still passes: it returns the coroutine."""

    @logged
    async def receive(self, message: Any) -> Any:
        return message


BAD = [
    (SyncReceive, "receive"),
    (SyncOnStart, "on_start"),
    (SyncOnStop, "on_stop"),
    (GeneratorReceive, "receive"),
    (NoneReceive, "receive"),
]


@pytest.mark.parametrize(("cls", "hook"), BAD, ids=[hook for _, hook in BAD])
async def test_a_hook_that_is_not_async_def_is_refused_at_spawn(
    cls: type[Actor], hook: str
) -> None:
    expected = f"{cls.__qualname__}.{hook} must be a coroutine function.*`async def {hook}"
    async with ActorSystem() as system:
        with pytest.raises(TypeError, match=expected):
            await system.spawn(cls)
        with pytest.raises(TypeError, match=expected):
            await system.spawn(lambda: cls())  # a plain factory: checked on its instance
        with pytest.raises(TypeError, match=expected):
            await system.spawn_pool(cls, size=2)
        with pytest.raises(TypeError, match=expected):
            ChildSpec(cls)
        with pytest.raises(TypeError, match=expected):
            await system.spawn(Supervisor, [ChildSpec(lambda: cls())])
        assert system.actor_count == 0


async def test_an_async_hook_behind_a_wrapping_decorator_is_accepted() -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(Decorated)
        assert await ref.ask("x") == "x"


class SlowStart(Actor):
    def __init__(self, gate: asyncio.Event) -> None:
        self.gate = gate

    async def on_start(self) -> None:
        if self.name != "0":
            await self.gate.wait()


async def test_resize_past_its_timeout_raises_ask_timeout_saying_what_timed_out() -> None:
    gate = asyncio.Event()
    async with ActorSystem() as system:
        pool = await system.spawn_pool(SlowStart, gate, size=1, name="pool")
        with pytest.raises(AskTimeout, match=r"resizing pool /pool to 3 did not finish within"):
            await pool.resize(3, timeout=0.05)
        gate.set()
