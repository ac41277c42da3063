"""A shutdown asked while `start()` still opens the store or connects waits for the start
to end, then closes all it opened: the system never comes up running after its shutdown
returned, and what the start opened late is not left open. A second `start()` meanwhile
is refused at once, as one after the first returned is."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorStopped, ActorSystem
from actorkit.persistence import MemoryStore

SAFETY = 10.0


class GatedStore(MemoryStore):
    """Opens once the test lets it: a start held in the store's open."""

    def __init__(self) -> None:
        super().__init__()
        self.opening = asyncio.Event()
        self.gate = asyncio.Event()
        self.closes = 0

    async def open(self) -> None:
        self.opening.set()
        await self.gate.wait()
        await super().open()

    async def close(self) -> None:
        self.closes += 1
        await super().close()


async def held_start(name: str) -> tuple[ActorSystem, GatedStore, asyncio.Future[ActorSystem]]:
    """A system whose `start()` waits in its store's open until the test sets `gate`."""
    store = GatedStore()
    system = ActorSystem(name, metrics=False, store=store)
    starting = asyncio.ensure_future(system.start())
    await store.opening.wait()
    return system, store, starting


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        return message


async def test_a_shutdown_during_start_waits_for_it_then_closes_everything() -> None:
    async with asyncio.timeout(SAFETY):
        system, store, starting = await held_start("early")
        stopping = asyncio.ensure_future(system.shutdown())
        await asyncio.sleep(0)  # one turn: the shutdown waits for the start, not for time
        assert not stopping.done()
        store.gate.set()
        assert await starting is system
        await stopping
    assert not system.healthy
    assert store.closes == 1
    with pytest.raises(ActorStopped):
        await system.spawn(Echo)


async def test_a_second_start_while_the_first_runs_is_refused() -> None:
    async with asyncio.timeout(SAFETY):
        system, store, starting = await held_start("twice")
        with pytest.raises(RuntimeError, match="was already started"):
            await system.start()
        store.gate.set()
        await starting
        assert system.healthy
        await system.shutdown()
    assert store.closes == 1


async def test_a_shutdown_whose_caller_gives_up_during_start_still_goes_on() -> None:
    """The caller's cancellation (an `asyncio.timeout` around it) ends its wait, not the
    shutdown: the start ends with the system shutting down, nothing left running."""
    async with asyncio.timeout(SAFETY):
        system, store, starting = await held_start("given-up")
        stopping = asyncio.ensure_future(system.shutdown())
        await asyncio.sleep(0)  # the shutdown waits for the start
        stopping.cancel()
        with pytest.raises(asyncio.CancelledError):
            await stopping
        store.gate.set()
        assert await starting is system
        assert not system.healthy
        with pytest.raises(ActorStopped):
            await system.spawn(Echo)
        await system.shutdown()  # the one under way: it closes the store once
    assert store.closes == 1
