"""Actors that stop each other from their handlers: `await ref.stop()` waits for the target's
handler to end, so two handlers each awaiting the other's stop (or a longer ring of them)
would wait for ever. The stop that closes the ring is queued without waiting, as a stop
asked from inside the target is, and every actor of the ring stops."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorRef, ActorSystem, Terminated

from .watch_support import Watcher

BOUND = 5.0


class Stopper(Actor):
    """Handed a ref, it waits until every member of the ring holds its own, then stops it."""

    def __init__(self, ready: asyncio.Barrier) -> None:
        self.ready = ready

    async def receive(self, message: Any) -> Any:
        assert isinstance(message, ActorRef)
        await self.ready.wait()
        await message.stop()
        return "stopped it"


@pytest.mark.parametrize("size", [2, 3])
async def test_a_ring_of_stops_between_handlers_stops_every_actor(size: int) -> None:
    ended: asyncio.Queue[Terminated] = asyncio.Queue()
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        ready = asyncio.Barrier(size)
        ring = [await system.spawn(Stopper, ready) for _ in range(size)]
        watcher = await system.spawn(Watcher, ended)
        for ref in ring:
            await watcher.ask(ref)
        asks = [ring[i].ask(ring[(i + 1) % size], timeout=BOUND) for i in range(size)]
        answers = await asyncio.gather(*asks, return_exceptions=True)
        stopped = {(await ended.get()).ref for _ in ring}
        assert stopped == set(ring)
        assert not any(ref.is_alive for ref in ring)
        assert answers == ["stopped it"] * size


class Child(Actor):
    def __init__(self, ready: asyncio.Barrier) -> None:
        self.ready = ready

    async def receive(self, message: Any) -> Any:
        assert isinstance(message, ActorRef)
        await self.ready.wait()
        await message.stop()
        return "stopped it"


class Holder(Actor):
    """Its child stops the other actor of the ring, whose handler stops this one: the stop
    of this actor waits for its child's handler."""

    def __init__(self, ready: asyncio.Barrier) -> None:
        self.ready = ready

    async def on_start(self) -> None:
        self.child = await self.spawn(Child, self.ready, name="child")

    async def receive(self, message: Any) -> Any:
        return self.child


async def test_a_ring_through_a_child_stops_every_actor() -> None:
    ended: asyncio.Queue[Terminated] = asyncio.Queue()
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        ready = asyncio.Barrier(2)
        holder = await system.spawn(Holder, ready)
        other = await system.spawn(Stopper, ready)
        child = await holder.ask("child")
        watcher = await system.spawn(Watcher, ended)
        for ref in (holder, other, child):
            await watcher.ask(ref)
        answers = await asyncio.gather(
            child.ask(other, timeout=BOUND), other.ask(holder, timeout=BOUND)
        )
        assert list(answers) == ["stopped it", "stopped it"]
        stopped = {(await ended.get()).ref for _ in range(3)}
        assert stopped == {holder, other, child}
