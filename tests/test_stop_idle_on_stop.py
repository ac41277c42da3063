"""The stop of an idle actor (parked on its mailbox) that has an `on_stop`: its task runs the
hook in the loop turn the stop is asked in, and the stop returns in that turn when the hook
awaits nothing; one whose hook awaits is waited for until the actor has closed, and a hook that
stops the handler stopping it ends both, as any ring of stops does."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorRef, ActorSystem

BOUND = 5.0


class Turns:
    """Counts the loop's turns: a callback that schedules itself for the next one."""

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.count = 0
        self.on = True
        self.loop.call_soon(self.turn)

    def turn(self) -> None:
        if self.on:
            self.count += 1
            self.loop.call_soon(self.turn)


class Hooked(Actor):
    def __init__(self, ran: list[asyncio.Task[Any] | None]) -> None:
        self.ran = ran

    async def receive(self, message: Any) -> Any:
        return message

    async def on_stop(self) -> None:
        self.ran.append(asyncio.current_task())


async def test_an_idle_actors_stop_returns_in_the_turn_its_on_stop_ran_in() -> None:
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        ran: list[asyncio.Task[Any] | None] = []
        ref = await system.spawn(Hooked, ran, name="hooked")
        assert await ref.ask("parked after this") == "parked after this"
        turns = Turns()
        await ref.stop()
        turns.on = False
        assert turns.count == 1
        assert len(ran) == 1 and ran[0] is not asyncio.current_task()  # in the actor's task
        assert system.lookup("/hooked") is None  # the name is free once the stop returns


class Gated(Actor):
    def __init__(self, entered: asyncio.Event, gate: asyncio.Event, ended: list[str]) -> None:
        self.entered, self.gate, self.ended = entered, gate, ended

    async def receive(self, message: Any) -> Any:
        return message

    async def on_stop(self) -> None:
        self.entered.set()
        await self.gate.wait()
        self.ended.append("on_stop")


async def test_an_idle_actors_stop_waits_for_an_on_stop_that_awaits() -> None:
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        entered, gate = asyncio.Event(), asyncio.Event()
        ended: list[str] = []
        ref = await system.spawn(Gated, entered, gate, ended, name="gated")
        stopping = asyncio.ensure_future(ref.stop())
        await entered.wait()
        assert not stopping.done()
        assert system.lookup("/gated") is not None  # the actor is open while its hook awaits
        gate.set()
        await stopping
        assert ended == ["on_stop"]
        assert system.lookup("/gated") is None
        again = await system.spawn(Gated, entered, gate, ended, name="gated")
        assert again.is_alive


class StopsBack(Actor):
    """Its `on_stop` stops the actor whose handler stops it."""

    def __init__(self) -> None:
        self.stopper: ActorRef | None = None

    async def receive(self, message: Any) -> Any:
        self.stopper = message

    async def on_stop(self) -> None:
        assert self.stopper is not None
        await self.stopper.stop()


class StopsIt(Actor):
    async def receive(self, message: Any) -> Any:
        await message.stop()
        return message.is_alive


async def test_an_idle_actors_on_stop_stopping_the_handler_stopping_it_ends_both() -> None:
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        back = await system.spawn(StopsBack)
        stopper = await system.spawn(StopsIt)
        await back.ask(stopper)  # parked after this, holding its stopper's ref
        assert await stopper.ask(back) is False
        await stopper.stop()  # its own stop was queued by the hook: this joins it
        assert not back.is_alive and not stopper.is_alive
