"""Mailbox edges a mutation review of the hot path found untested: a drain parked for a place
granted to an ask whose deadline came in that turn is woken when the ask gives it up; a
close leaves a sender cancelled in that turn alone; a put to an actor whose parked wait was
cancelled (the end of `asyncio.run`) is taken; a send waiting for room at a stop is a dead
letter `stopping`."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest

from actorkit import Actor, ActorRef, ActorStopped, ActorSystem, AskTimeout
from actorkit.testing import ManualClock

from .actors_support import relay_full_with_a_late_ask
from .invariants import TaskSnapshot
from .metrics_truth_support import scraped, total


async def test_a_drain_waiting_on_a_place_whose_ask_expired_as_it_was_granted_ends() -> None:
    """The relay drains (a shutdown) and parks for the place it granted a waiting ask, which
    it must not finalize under (architecture.md); the ask's deadline came in that same turn,
    so it leaves without its message (`expired`) and gives the place up, waking the drain,
    which then ends: the shutdown returns without being forced."""
    clock, gate, log = ManualClock(), asyncio.Event(), list[Any]()
    async with asyncio.timeout(5):
        system = await ActorSystem(metrics=False, clock=clock).start()
        _, asker = await relay_full_with_a_late_ask(system, clock, gate, log)
        down = asyncio.ensure_future(system.shutdown(timeout=30))
        await clock.settle()  # the relay's draining stop waits behind its handler
        await clock.advance(1.0)  # both deadlines: the relay's first, then the waiting ask's
        with pytest.raises(AskTimeout):
            await asker
        gate.set()
        await down
    assert log == ["relay", "queued"]
    assert [(letter.message, letter.reason) for letter in system.dead_letters.recent] == [
        ("late", "expired")
    ]


class Gated(Actor):
    """Holds "hold" until `gate` opens, after telling `entered`; echoes anything else."""

    def __init__(self, entered: asyncio.Event, gate: asyncio.Event) -> None:
        self.entered, self.gate = entered, gate

    async def receive(self, message: Any) -> Any:
        if message == "hold":
            self.entered.set()
            await self.gate.wait()
        return message


async def stopping_with_a_send_waiting(
    system: ActorSystem, gate: asyncio.Event, message: str
) -> tuple[ActorRef, asyncio.Future[None], asyncio.Future[None]]:
    """An actor held in "hold" until `gate` opens, its mailbox of one full ("queued"), a send
    of `message` waiting for room and a stop queued behind "hold"."""
    entered = asyncio.Event()
    ref = await system.spawn(Gated, entered, gate, mailbox_size=1)
    ref.tell("hold")
    await entered.wait()
    ref.tell("queued")  # full
    sender = asyncio.ensure_future(ref.send(message))
    stopping = asyncio.ensure_future(ref.stop())
    await asyncio.sleep(0)  # the send waits for room, the stop is queued behind "hold"
    return ref, sender, stopping


async def test_a_sender_cancelled_in_the_turn_its_actor_closes_is_let_go_quietly() -> None:
    """The actor's stop closes its mailbox in the turn the waiting sender was cancelled,
    before the sender's task runs: the closing releases the senders still waiting, and
    leaves the cancelled one alone; the stop is no failure."""
    gate = asyncio.Event()
    async with asyncio.timeout(10), ActorSystem() as system:
        ref, sender, stopping = await stopping_with_a_send_waiting(system, gate, "cancelled")
        gate.set()  # the actor runs first and stops: its mailbox closes...
        sender.cancel()  # ...in the turn the sender's wait is cancelled
        with pytest.raises(asyncio.CancelledError):
            await sender
        await stopping
        assert not ref.is_alive
        samples = scraped(system)
    assert total(samples, "actorkit_actor_failures_total") == 0
    assert [letter.message for letter in system.dead_letters.recent] == ["queued"]


class Parent(Actor):
    async def receive(self, message: Any) -> Any:
        return await self.spawn(SaysBye, *message)


class SaysBye(Actor):
    """Says "bye" to its parent from its `on_stop` (by `tell`, `send` or `ask`), then marks
    `said`."""

    def __init__(self, way: str, said: asyncio.Event) -> None:
        self.way, self.said = way, said

    async def receive(self, message: Any) -> None:
        pass

    async def on_stop(self) -> None:
        assert self.parent is not None
        if self.way == "tell":
            self.parent.tell("bye")
        elif self.way == "send":
            await self.parent.send("bye")
        else:
            with contextlib.suppress(ActorStopped):  # its close answers the ask
                await self.parent.ask("bye")
        self.said.set()


@pytest.mark.parametrize("way", ["tell", "send", "ask"])
async def test_a_put_to_an_actor_whose_parked_task_was_cancelled_is_taken(
    way: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The end of `asyncio.run` cancels every task left: a parked parent's wait ends
    cancelled, and while it stops its children, a child's `on_stop` says goodbye to it. The
    message is taken (the parent's close dead-letters a tell or a send and fails an ask),
    not refused with the error of a wake-up given to the cancelled wait."""
    said = asyncio.Event()
    system = await ActorSystem().start()
    tasks = TaskSnapshot()
    parent = await system.spawn(Parent)
    await parent.ask((way, said))  # the parent parks, its child too
    left = list(tasks.leaked())
    for task in left:
        task.cancel()
    async with asyncio.timeout(10):
        await asyncio.wait(left)
    assert said.is_set()
    assert not [record for record in caplog.records if record.levelname == "ERROR"]
    assert not parent.is_alive
    await system.shutdown()


async def test_a_send_waiting_for_room_when_its_actor_stops_is_a_dead_letter_stopping() -> None:
    """observability.md, dead letter reasons: `stopping` is what was queued at an actor when
    it was stopped, or waiting for room in its mailbox then (a `send`)."""
    gate = asyncio.Event()
    async with asyncio.timeout(10), ActorSystem() as system:
        _, sender, stopping = await stopping_with_a_send_waiting(system, gate, "waiting")
        gate.set()
        await sender  # refused: the send returns, its message a dead letter
        await stopping
        letters = [(letter.message, letter.reason) for letter in system.dead_letters.recent]
    assert letters == [("queued", "stopping"), ("waiting", "stopping")]
