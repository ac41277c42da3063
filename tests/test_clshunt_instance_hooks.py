"""Hooks are the class's: `on_start` or `on_stop` assigned on the instance in `__init__`
(which the runtime would call or skip depending on whether the class has one of its own, and
which skips a durable actor's recovery) is refused at spawn, saying to define it on the class.
`receive` alone may be assigned (to change behaviour), and a staticmethod or classmethod hook
is the class's."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem
from actorkit.persistence import DurableState

from .hardening_support import BOUND
from .spawn_refusal_support import refused_at_spawn

started: list[str] = []


async def _noted() -> None:
    started.append("the instance's own")


class HookOnTheInstance(Actor):
    """No `on_start` of its class: the runtime would never call the instance's."""

    def __init__(self, hook: str) -> None:
        setattr(self, hook, _noted)

    async def receive(self, message: Any) -> Any:
        return message


class HookOnBoth(Actor):
    """An `on_start` of its class too: the runtime would call the instance's instead."""

    def __init__(self, hook: str) -> None:
        setattr(self, hook, _noted)

    async def on_start(self) -> None:
        started.append("the class's")

    async def on_stop(self) -> None:
        started.append("the class's")

    async def receive(self, message: Any) -> Any:
        return message


class DurableHookOnTheInstance(DurableState):
    """Its instance's `on_start` would be called in place of recovery."""

    def __init__(self, hook: str) -> None:
        setattr(self, hook, _noted)

    async def receive(self, message: Any) -> Any:
        await self.save(message)
        return self.state


@pytest.mark.parametrize("hook", ["on_start", "on_stop"])
@pytest.mark.parametrize("cls", [HookOnTheInstance, HookOnBoth, DurableHookOnTheInstance])
async def test_a_hook_assigned_on_the_instance_is_refused_at_spawn(
    cls: type[Actor], hook: str
) -> None:
    started.clear()
    said = await refused_at_spawn(cls, hook)
    assert said == (
        f"{cls.__qualname__} sets self.{hook} on its instance, which the runtime does not "
        f"read as a hook: define `async def {hook}(self)` on the class (only receive may be "
        "assigned on an instance, to change how it handles messages)"
    )
    assert started == []


class ClassHooks(Actor):
    @staticmethod
    async def on_start() -> None:
        started.append("static")

    @classmethod
    async def receive(cls, message: Any) -> Any:
        return message


class Become(Actor):
    async def receive(self, message: Any) -> Any:
        self.receive = self.other  # type: ignore[method-assign]
        return "first"

    async def other(self, message: Any) -> Any:
        return "other"


async def test_hooks_of_the_class_and_an_assigned_receive_are_accepted() -> None:
    started.clear()
    async with ActorSystem(metrics=False) as system:
        async with asyncio.timeout(BOUND):
            hooks = await system.spawn(ClassHooks)
            assert await hooks.ask("x") == "x"
            become = await system.spawn(Become)
            assert [await become.ask(n) for n in range(2)] == ["first", "other"]
    assert started == ["static"]
