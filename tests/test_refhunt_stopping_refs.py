"""A ref to an actor whose stop is under way (api.md §9): it is alive until the actor has
stopped for good, and what is sent to it meanwhile, with room in its mailbox, is queued and
dead-lettered at its close (`stopping`), an ask answered `NotDelivered` then; its name is
taken until then, and free at once after."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, NameTaken, NotDelivered

pytestmark = pytest.mark.timeout(10)


class Lingering(Actor):
    """Its `on_stop` waits for the test."""

    def __init__(self, stopping: asyncio.Event, release: asyncio.Event) -> None:
        self.stopping = stopping
        self.release = release

    async def receive(self, message: Any) -> Any:
        return message

    async def on_stop(self) -> None:
        self.stopping.set()
        await self.release.wait()


async def test_a_stopping_actors_ref_is_alive_and_what_it_is_sent_waits_for_its_close() -> None:
    stopping, release = asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(5), ActorSystem(metrics=False) as system:
        ref = await system.spawn(Lingering, stopping, release, name="x")
        stop = asyncio.ensure_future(ref.stop())
        await stopping.wait()
        assert ref.is_alive and system.lookup("/x") is ref and repr(ref) == "<ActorRef /x alive>"
        ref.tell("told")
        asked = asyncio.ensure_future(ref.ask("asked", timeout=5.0))
        with pytest.raises(NameTaken):
            await system.spawn(Lingering, stopping, release, name="x")
        assert system.dead_letters.count == 0 and not asked.done()
        release.set()
        await stop
        with pytest.raises(NotDelivered):
            await asked
        assert (ref.is_alive, system.lookup("/x")) == (False, None)  # mypy narrowed is_alive
        assert [(d.message, d.reason) for d in system.dead_letters.recent] == [
            ("told", "stopping"),
            ("asked", "stopping"),
        ]
        again = await system.spawn(Lingering, stopping, release, name="x")
        assert again != ref and again.is_alive
