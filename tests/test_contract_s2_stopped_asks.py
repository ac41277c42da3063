"""API.md §2: an ask "fails at once with `ActorStopped` when the target is, or becomes,
stopped with the ask unanswered (also for asks still waiting in the mailbox at shutdown)",
whatever stops it: its own failure as a temporary actor, a decider's stop, its parent's stop,
its supervisor giving up, its own `self.stop()`, a stop that meets an ask waiting for room,
or a stop from outside during its restart backoff. "At once": the manual clock never moves,
so an ask that waited for its 60 s timeout would still be pending."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest

from actorkit import Actor, ActorStopped, ActorSystem, OneForOne
from actorkit.testing import ManualClock

from .contract_asks_support import Backing, Handler


async def _fail_at_once(clock: ManualClock, asks: Sequence[asyncio.Future[Any]]) -> None:
    await clock.advance(0)
    assert all(ask.done() for ask in asks), "an ask waited for its timeout"
    for ask in asks:
        with pytest.raises(ActorStopped):
            await ask


@pytest.mark.parametrize("end", ["temporary failure", "decider stop", "parent stopped"])
async def test_asks_queued_when_the_target_becomes_stopped_fail_at_once(
    clock: ManualClock, end: str
) -> None:
    gate = asyncio.Event()

    class Parent(Actor):
        supervisor_strategy = OneForOne(decider={RuntimeError: "stop"})

        async def on_start(self) -> None:
            await self.spawn(Handler, gate, name="c")

        async def receive(self, message: Any) -> None:
            return None

    async with ActorSystem(clock=clock) as system:
        if end == "temporary failure":
            target = await system.spawn(Handler, gate, restart="temporary")
        else:
            parent = await system.spawn(Parent, name="p")
            found = system.lookup("/p/c")
            assert found is not None
            target = found
        target.tell("hold")
        target.tell("fail")
        queued = [asyncio.ensure_future(target.ask("count", timeout=60.0)) for _ in range(2)]
        await clock.advance(0)
        if end == "parent stopped":
            stopping = asyncio.ensure_future(parent.stop())
            await clock.advance(0)
            gate.set()
            await stopping
        else:
            gate.set()
        await _fail_at_once(clock, queued)
        assert not target.is_alive


async def test_asks_queued_at_a_child_its_supervisor_gave_up_on_fail_at_once(
    clock: ManualClock,
) -> None:
    gate = asyncio.Event()

    class GivesUp(Actor):
        supervisor_strategy = OneForOne(max_restarts=0)

        async def on_start(self) -> None:
            await self.spawn(Handler, gate, name="c")

        async def receive(self, message: Any) -> None:
            return None

    async with ActorSystem(clock=clock) as system:
        parent = await system.spawn(GivesUp, name="p", restart="temporary")
        child = system.lookup("/p/c")
        assert child is not None
        child.tell("hold")
        child.tell("fail")
        queued = [asyncio.ensure_future(child.ask("count", timeout=60.0)) for _ in range(2)]
        await clock.advance(0)
        gate.set()
        await _fail_at_once(clock, queued)
        assert not child.is_alive and not parent.is_alive


class Quits(Handler):
    """Stops itself on "quit", once its gate opens, and answers it."""

    async def receive(self, message: Any) -> Any:
        if message == "quit":
            assert self.gate is not None
            await self.gate.wait()
            self.stop()
            return "bye"
        return await super().receive(message)


async def test_a_handler_stopping_itself_answers_its_ask_and_fails_the_queued_ones(
    clock: ManualClock,
) -> None:
    gate = asyncio.Event()
    async with ActorSystem(clock=clock) as system:
        ref = await system.spawn(Quits, gate, restart="temporary")
        quitting = asyncio.ensure_future(ref.ask("quit", timeout=60.0))
        queued = asyncio.ensure_future(ref.ask("count", timeout=60.0))
        await clock.advance(0)
        gate.set()
        await _fail_at_once(clock, [queued])
        assert await quitting == "bye"


@pytest.mark.parametrize("end", ["stop", "temporary failure"])
async def test_an_ask_waiting_for_room_fails_at_once_when_its_target_stops(
    clock: ManualClock, end: str
) -> None:
    gate = asyncio.Event()
    async with ActorSystem(clock=clock) as system:
        ref = await system.spawn(Handler, gate, mailbox_size=1, restart="temporary")
        ref.tell("hold")
        await clock.advance(0)
        ref.tell("fail" if end == "temporary failure" else "fills the mailbox")
        waiting = asyncio.ensure_future(ref.ask("count", timeout=60.0))
        await clock.advance(0)
        assert not waiting.done()
        if end == "stop":
            stopping = asyncio.ensure_future(ref.stop())
            await clock.advance(0)
            gate.set()
            await stopping
        else:
            gate.set()
        await _fail_at_once(clock, [waiting])


@pytest.mark.parametrize("end", ["parent stopped", "shutdown"])
async def test_asks_at_an_actor_in_its_backoff_fail_at_once_when_it_is_stopped(
    clock: ManualClock, end: str
) -> None:
    """A stop from outside is never followed by the restart the asks wait for: they fail
    then, not at their timeout (nor at the shutdown's)."""
    system = await ActorSystem(clock=clock).start()
    parent = await system.spawn(Backing, name="p")
    child = system.lookup("/p/c")
    assert child is not None
    child.tell("fail")
    await clock.advance(0)
    queued = [asyncio.ensure_future(child.ask("count", timeout=60.0)) for _ in range(2)]
    await clock.advance(0)
    async with asyncio.timeout(5):
        if end == "shutdown":
            await system.shutdown(timeout=60.0)
        else:
            await parent.stop()
    await _fail_at_once(clock, queued)
    await system.shutdown()
