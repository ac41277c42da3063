"""A stop that waits on a sender waiting for room in the stopping actor's own full mailbox: once
an actor's stop has begun it handles nothing more, so no room comes before its close, and a
child whose handler `send`s to its stopping parent would hold the parent's stop (which stops
its children first) for ever. The line is sent away as the stop begins, and a sender that
finds the mailbox full from then on does not wait: its message is a dead letter `stopping`,
as it would be at the close (README, "Dead letters")."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, NotDelivered
from actorkit._ref import local_cell

from .invariants import assert_settled


class _Child(Actor):
    """Sends its parent a reply, or asks it, for each message."""

    async def receive(self, message: Any) -> Any:
        assert self.parent is not None
        if message == "ask":
            return await self.parent.ask("asked", timeout=30.0)
        await self.parent.send(f"reply to {message}")
        return message


class _Parent(Actor):
    """Holds "block" until its gate opens; its child replies to it."""

    def __init__(self, gate: asyncio.Event, stopped: asyncio.Event) -> None:
        self.gate, self.stopped = gate, stopped

    async def on_start(self) -> None:
        self.child = await self.spawn(_Child, name="child")

    async def receive(self, message: Any) -> Any:
        if message == "block":
            await self.gate.wait()
        return message

    async def on_stop(self) -> None:
        self.stopped.set()


async def _parent_full_with_its_child_waiting(
    system: ActorSystem, gate: asyncio.Event, stopped: asyncio.Event, how: str
) -> Any:
    parent = await system.spawn(_Parent, gate, stopped, name="parent", mailbox_size=1)
    child = system.lookup("/parent/child")
    assert child is not None
    parent.tell("block")
    await asyncio.sleep(0)
    parent.tell("queued")  # full
    child.tell("ask" if how == "ask" else "go")
    mailbox = local_cell(parent).mailbox  # type: ignore[union-attr]
    while not mailbox.blocked:
        await asyncio.sleep(0)
    return parent


@pytest.mark.parametrize("how", ["send", "ask"])
async def test_a_parent_s_stop_is_not_held_by_its_child_waiting_for_room_with_it(how: str) -> None:
    gate, stopped = asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(10), ActorSystem(metrics=False) as system:
        parent = await _parent_full_with_its_child_waiting(system, gate, stopped, how)
        stopping = asyncio.create_task(parent.stop())
        await asyncio.sleep(0)
        gate.set()
        async with asyncio.timeout(2.0):  # its ask's timeout is 30 s, a send has none
            await stopping
        fates = {d.message: d.reason for d in system.dead_letters.recent}
        sent = "asked" if how == "ask" else "reply to go"
        assert fates == {"queued": "stopping", sent: "stopping"}
        assert system.lookup("/parent") is None and system.lookup("/parent/child") is None
        await assert_settled(system)


class _Sink(Actor):
    """Holds "block" until `gate` opens; its `on_stop` waits for `leave`."""

    def __init__(self, gate: asyncio.Event, leave: asyncio.Event, stopped: asyncio.Event) -> None:
        self.gate, self.leave, self.stopped = gate, leave, stopped

    async def receive(self, message: Any) -> Any:
        if message == "block":
            await self.gate.wait()
        return message

    async def on_stop(self) -> None:
        self.stopped.set()
        await self.leave.wait()


async def test_a_sender_at_the_full_mailbox_of_a_stopping_actor_does_not_wait_for_its_close() -> (
    None
):
    """While a slow `on_stop` runs, a `send` to the full mailbox returns at once (a dead
    letter `stopping`) and an ask fails `NotDelivered` at once, as both would at the close;
    nothing waits in line meanwhile."""
    gate, leave, stopped = asyncio.Event(), asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(10), ActorSystem(metrics=False) as system:
        ref = await system.spawn(_Sink, gate, leave, stopped, mailbox_size=1)
        ref.tell("block")
        await asyncio.sleep(0)
        ref.tell("queued")
        waiting = asyncio.create_task(ref.send("waiting"))
        await asyncio.sleep(0)
        stopping = asyncio.create_task(ref.stop())
        await asyncio.sleep(0)
        gate.set()
        await stopped.wait()  # its `on_stop` runs, and waits for `leave`
        async with asyncio.timeout(1.0):
            await waiting
            await ref.send("sent while stopping")
            with pytest.raises(NotDelivered):
                await ref.ask("asked while stopping", timeout=30.0)
        mailbox = local_cell(ref).mailbox  # type: ignore[union-attr]
        assert (mailbox.blocked, mailbox.reserved) == (None, 0)
        fates = {d.message: d.reason for d in system.dead_letters.recent}
        assert fates == {
            "waiting": "stopping",
            "sent while stopping": "stopping",
            "asked while stopping": "stopping",
        }
        leave.set()
        await stopping
        fates = {d.message: d.reason for d in system.dead_letters.recent}
        assert fates["queued"] == "stopping"
        await assert_settled(system)
