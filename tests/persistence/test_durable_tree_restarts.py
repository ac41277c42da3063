"""`/actors` (`testing.actor_tree`) shows a durable actor's persistence id and sequence number
while the actor waits out a restart's backoff, when it has no instance, as it does while it
runs: a view of the durable actors must not lose one for the length of its backoff."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, Backoff, OneForOne
from actorkit.persistence import DurableState, MemoryStore
from actorkit.testing import ManualClock, actor_tree

from .durable_support import Teller

pytestmark = pytest.mark.timeout(30)

BACKOFF = 5.0


class Note(DurableState):
    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError("crash")
        await self.save(message)


def _durable(system: ActorSystem) -> dict[str, tuple[str, object, object]]:
    return {
        node["path"]: (node["state"], node.get("persistence_id"), node.get("sequence_nr"))
        for node in actor_tree(system)["actors"]
    }


async def test_a_durable_actor_keeps_its_persistence_id_and_number_through_a_backoff() -> None:
    clock = ManualClock()
    supervisor = OneForOne(backoff=Backoff(min=BACKOFF, max=BACKOFF, jitter=0.0))
    async with (
        asyncio.timeout(10),
        ActorSystem("tree", store=MemoryStore(), clock=clock, supervisor=supervisor) as system,
    ):
        teller = await system.spawn(Teller, name="t", persistence_id="teller-1")
        note = await system.spawn(Note, name="n")
        await teller.ask(3)
        await note.ask("v1")
        await note.ask("v2")
        teller.tell("crash")
        note.tell("crash")
        await clock.settle()
        assert _durable(system) == {
            "/t": ("restarting", "teller-1", 3),
            "/n": ("restarting", "/n", 2),
        }
        await clock.advance(BACKOFF)
        await teller.ask(1)
        await note.ask("v3")
        assert _durable(system) == {"/t": ("running", "teller-1", 4), "/n": ("running", "/n", 3)}


class Plain(Actor):
    async def receive(self, message: Any) -> Any:
        raise RuntimeError("crash")


async def test_a_plain_actor_in_a_backoff_beside_durable_ones_shows_no_persistence() -> None:
    """Without an instance to tell, it is known as durable only by its persistence id."""
    clock = ManualClock()
    supervisor = OneForOne(backoff=Backoff(min=BACKOFF, max=BACKOFF, jitter=0.0))
    async with (
        asyncio.timeout(10),
        ActorSystem("tree", store=MemoryStore(), clock=clock, supervisor=supervisor) as system,
    ):
        await system.spawn(Note, name="n")
        (await system.spawn(Plain, name="p")).tell("crash")
        await clock.settle()
        assert _durable(system) == {"/n": ("running", "/n", 0), "/p": ("restarting", None, None)}
