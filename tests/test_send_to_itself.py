"""An actor that `send`s to its own full mailbox: only it could make room, by returning from
the handler that awaits the send, so the send cannot wait. It fails at once with
`MailboxFull`, as `tell` does, instead of waiting until the actor is stopped."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorSystem, MailboxFull
from actorkit.testing import ManualClock

BOUND = 5.0


class SendsToItself(Actor):
    async def receive(self, message: Any) -> Any:
        if message != "fill":
            return None
        sent = 0
        try:
            while True:  # the mailbox holds 2: the third send finds it full
                await self.ref.send("more")
                sent += 1
        except MailboxFull as error:
            return sent, str(error)


async def test_a_send_to_its_own_full_mailbox_fails_at_once_with_mailbox_full() -> None:
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        ref = await system.spawn(SendsToItself, mailbox_size=2)
        sent, error = await ref.ask("fill", timeout=BOUND)
        assert sent == 2
        assert "its own full mailbox" in error and "self.ref.tell" in error
        stats = system.metrics.stats_for(SendsToItself)
        assert stats is not None and stats.dropped == 1  # refused, as a tell's MailboxFull is


class Sender(Actor):
    async def receive(self, message: Any) -> Any:
        await message.send("x")
        return "sent"


async def test_a_send_from_another_actor_still_waits_for_room(clock: ManualClock) -> None:
    """Sent while the target's handler still awaits something else (an actor without an
    `on_start`, too: no start of its to follow), and granted once that handler returns."""
    handling, gate = asyncio.Event(), asyncio.Event()

    class Slow(Actor):
        async def receive(self, message: Any) -> None:
            handling.set()
            await gate.wait()

    async with asyncio.timeout(BOUND), ActorSystem(clock=clock) as system:
        slow = await system.spawn(Slow, mailbox_size=1)
        slow.tell("busy")
        await handling.wait()
        slow.tell("queued")  # full now
        sender = await system.spawn(Sender)
        asking = asyncio.ensure_future(sender.ask(slow, timeout=BOUND))
        await clock.settle()  # the send was made while Slow's handler awaits the gate
        assert not asking.done()  # it waits for room
        gate.set()
        assert await asking == "sent"  # not refused: another actor may wait for room
