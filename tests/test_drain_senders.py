"""A drain (shutdown's, a pool shrink's leaving member) handles what a waiting sender was
granted room for: `send` returned normally, so the message counts as queued, also when the
drain pops the last message and ends in the same loop turn as the grant."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorSystem
from actorkit.testing import ManualClock


class Gated(Actor):
    """Holds its first message until `gate` opens; handles the rest without yielding."""

    def __init__(self, entered: asyncio.Event, gate: asyncio.Event, handled: list[Any]) -> None:
        self.entered, self.gate, self.handled = entered, gate, handled

    async def receive(self, message: Any) -> None:
        if message == "m0":
            self.entered.set()
            await self.gate.wait()
        self.handled.append((self.name, message))


class Opens(Actor):
    """Opens `gate` from its `on_stop`: a sibling stopped before it is then let go."""

    def __init__(self, gate: asyncio.Event) -> None:
        self.gate = gate

    async def receive(self, message: Any) -> None:
        pass

    async def on_stop(self) -> None:
        self.gate.set()


async def test_a_shutdown_drain_handles_a_send_granted_room_by_its_last_message() -> None:
    entered, gate = asyncio.Event(), asyncio.Event()
    handled: list[tuple[str, Any]] = []
    clock = ManualClock()
    async with asyncio.timeout(10):
        system = await ActorSystem(metrics=False, clock=clock).start()
        x = await system.spawn(Gated, entered, gate, handled, name="x", mailbox_size=1)
        x.tell("m0")
        await entered.wait()
        x.tell("m1")  # the mailbox is full: the send below waits for room
        sender = asyncio.ensure_future(x.send("m2"))
        down = asyncio.ensure_future(system.shutdown(timeout=30))
        await clock.settle()  # the shutdown's draining stop waits behind m0
        gate.set()
        await sender
        await down
    assert handled == [("x", "m0"), ("x", "m1"), ("x", "m2")]
    assert system.dead_letters.count == 0


async def test_a_leaving_pool_member_handles_a_send_granted_room_by_its_last_message() -> None:
    entered, gate = asyncio.Event(), asyncio.Event()
    handled: list[tuple[str, Any]] = []
    clock = ManualClock()
    async with asyncio.timeout(10), ActorSystem(metrics=False, clock=clock) as system:
        pool = await system.spawn_pool(
            Gated, entered, gate, handled, size=2, mailbox_size=1, name="p"
        )
        leaving = pool.members[1]
        leaving.tell("m0")
        await entered.wait()
        leaving.tell("m1")
        sender = asyncio.ensure_future(leaving.send("m2"))
        resizing = asyncio.ensure_future(pool.resize(1))
        await clock.settle()
        gate.set()
        await sender
        await resizing
        assert handled == [("1", "m0"), ("1", "m1"), ("1", "m2")]
        assert system.dead_letters.count == 0


async def test_a_draining_parent_does_not_close_a_parked_child_with_a_granted_sender() -> None:
    """The child parks in the turn that granted the place; its parent's drain reaches it
    before the sender runs: closing it as idle would refuse the sender."""
    entered, gate = asyncio.Event(), asyncio.Event()
    handled: list[tuple[str, Any]] = []
    async with asyncio.timeout(10):
        system = await ActorSystem(metrics=False).start()
        x = await system.spawn(Gated, entered, gate, handled, name="x", mailbox_size=1)
        await system.spawn(Opens, gate)  # stopped first (reverse start order): lets `x` go
        x.tell("m0")
        await entered.wait()
        x.tell("m1")
        sender = asyncio.ensure_future(x.send("m2"))
        await system.shutdown(timeout=30)
        await sender
    assert handled == [("x", "m0"), ("x", "m1"), ("x", "m2")]
    assert system.dead_letters.count == 0


class CancelsTheSender(Gated):
    """Its `m1` cancels the sender it has just granted room to, before it takes the place."""

    def __init__(self, entered: asyncio.Event, gate: asyncio.Event, senders: list[Any]) -> None:
        super().__init__(entered, gate, [])
        self.senders = senders

    async def receive(self, message: Any) -> None:
        await super().receive(message)
        if message == "m1":
            self.senders[0].cancel()


async def test_a_drain_waiting_for_a_granted_place_ends_when_its_sender_gives_it_up() -> None:
    entered, gate = asyncio.Event(), asyncio.Event()
    senders: list[asyncio.Future[None]] = []
    clock = ManualClock()
    async with asyncio.timeout(10):  # far below the shutdown's own timeout
        system = await ActorSystem(metrics=False, clock=clock).start()
        x = await system.spawn(CancelsTheSender, entered, gate, senders, mailbox_size=1)
        x.tell("m0")
        await entered.wait()
        x.tell("m1")
        senders.append(asyncio.ensure_future(x.send("m2")))
        down = asyncio.ensure_future(system.shutdown(timeout=60))
        await clock.settle()
        gate.set()
        await down
        assert senders[0].cancelled()
    assert system.dead_letters.count == 0
