"""A name whose actor is still in its stop is taken until that stop ends (a restart of the
same name must not meet the old instance's `on_stop`): the refusal says to await the stop,
which is what to change, not to stop an actor already stopping."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import Actor, ActorSystem, NameTaken


class Slow(Actor):
    def __init__(self, entered: asyncio.Event, release: asyncio.Event) -> None:
        self.entered = entered
        self.release = release

    async def on_stop(self) -> None:
        self.entered.set()
        await self.release.wait()


async def test_a_name_whose_actor_is_stopping_says_to_await_its_stop() -> None:
    entered, release = asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(5), ActorSystem() as system:
        ref = await system.spawn(Slow, entered, release, name="worker")
        with pytest.raises(NameTaken, match="choose another name or stop it first"):
            await system.spawn(Slow, entered, release, name="worker")
        stopping = asyncio.ensure_future(ref.stop())
        await entered.wait()  # its stop began: its on_stop waits
        assert not stopping.done()
        with pytest.raises(NameTaken, match=r"/worker is still stopping: await its stop") as taken:
            await system.spawn(Slow, entered, release, name="worker")
        assert "stop it first" not in str(taken.value)
        release.set()
        await stopping
        entered.clear()
        again = await system.spawn(Slow, entered, release, name="worker")
        assert again.is_alive
