"""A hook a mixin defines, listed after `Actor` in an actor's bases (`class A(Actor, Mixin)`),
is never called: Python finds `Actor`'s own placeholder first. Every message would be
answered None, or the mixin's `on_start` / `on_stop` skipped without a word; the spawn is
refused, naming the mixin and the order to write."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem


class Replying:
    async def receive(self, message: Any) -> Any:
        return ("mixin", message)


class Starting:
    async def on_start(self) -> None:
        raise AssertionError("not reached in these tests")


class Stopping:
    async def on_stop(self) -> None:
        raise AssertionError("not reached in these tests")


class ReceiveHidden(Actor, Replying):
    pass


class StartHidden(Actor, Starting):
    async def receive(self, message: Any) -> Any:
        return message


class StopHidden(Actor, Stopping):
    async def receive(self, message: Any) -> Any:
        return message


class MixinFirst(Replying, Actor):
    pass


@pytest.mark.parametrize(
    ("cls", "hook", "mixin"),
    [
        (ReceiveHidden, "receive", "Replying"),
        (StartHidden, "on_start", "Starting"),
        (StopHidden, "on_stop", "Stopping"),
    ],
)
async def test_a_mixins_hook_after_actor_is_refused_at_spawn(
    cls: type[Actor], hook: str, mixin: str
) -> None:
    async with asyncio.timeout(10), ActorSystem() as system:
        with pytest.raises(TypeError) as raised:
            await system.spawn(cls)
        assert str(raised.value) == (
            f"{cls.__qualname__}.{hook} is Actor's placeholder: {mixin}.{hook} comes after "
            f"Actor in its bases, and Python never reaches it; list the mixin first, "
            f"class {cls.__qualname__}({mixin}, Actor)"
        )
        assert system.lookup(f"/{cls.__name__}") is None


async def test_the_mixin_listed_first_is_the_actors_hook() -> None:
    async with asyncio.timeout(10), ActorSystem() as system:
        ref = await system.spawn(MixinFirst)
        assert await ref.ask(1) == ("mixin", 1)
