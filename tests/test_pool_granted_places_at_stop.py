"""A pool member whose stop begins while senders hold places granted and not yet taken: the
asks among them go back to the pool (answered by a member that stays), the sends keep their
places, in either order in line, with and without an `on_stop`; and a shrink that meets
an ask waiting for room at a leaver (API 9, "Pools"; api.md: asks waiting for room)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem

from .invariants import assert_settled
from .room_support import room_problems


class Holds(Actor):
    """Holds "hold" until `gate` opens; stops itself on "q" without yielding."""

    def __init__(self, entered: asyncio.Event, gate: asyncio.Event, leave: asyncio.Event) -> None:
        self.entered, self.gate, self.leave = entered, gate, leave

    async def receive(self, message: Any) -> Any:
        if message == "hold":
            self.entered.set()
            await self.gate.wait()
        elif message == "q":
            self.stop()
        return (self.name, message)


class HoldsWithOnStop(Holds):
    async def on_stop(self) -> None:
        self.entered.set()
        await self.leave.wait()


@pytest.mark.parametrize("actor", [Holds, HoldsWithOnStop], ids=["no on_stop", "on_stop"])
@pytest.mark.parametrize("order", ["send first", "ask first"])
async def test_a_member_stopping_with_an_ask_and_a_send_both_granted(
    actor: type[Holds], order: str
) -> None:
    """Its mailbox of two holds "x" and "q"; a send and an ask wait in line. The loop takes
    "x" (a place granted) and "q" (the other), and "q" stops it before either sender ran."""
    entered, gate, leave = asyncio.Event(), asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(5), ActorSystem(metrics=False) as system:
        pool = await system.spawn_pool(
            actor, entered, gate, leave, size=2, mailbox_size=2, restart="temporary"
        )
        member = pool.members[0]
        cell = member._cell
        member.tell("hold")
        await entered.wait()
        entered.clear()
        member.tell("x")
        member.tell("q")
        senders: list[asyncio.Future[Any]] = []
        for what in ("send", "ask") if order == "send first" else ("ask", "send"):
            made = member.send("the send") if what == "send" else member.ask("the ask")
            senders.append(asyncio.ensure_future(made))
            await asyncio.sleep(0)  # in line, in this order
        asking = senders[0] if order == "ask first" else senders[1]
        assert cell.mailbox.blocked is not None and len(cell.mailbox.blocked) == 2
        gate.set()
        for _ in range(50):  # loop turns, no time: the other member answers the ask
            if asking.done():
                break
            await asyncio.sleep(0)
        answered_before_the_stop_ended = asking.done()
        leave.set()
        assert answered_before_the_stop_ended
        assert await asking == ("1", "the ask")
        await asyncio.gather(*senders)
        await member.stop()  # joins the stop under way: its `on_stop` ends in a turn or two
        assert not member.is_alive
        assert room_problems(cell.mailbox) == []
        assert system.accounting().balanced
        await assert_settled(system)


class Slow(Actor):
    def __init__(self, entered: asyncio.Event, gate: asyncio.Event) -> None:
        self.entered, self.gate = entered, gate

    async def receive(self, message: Any) -> Any:
        if message == "hold":
            self.entered.set()
            await self.gate.wait()
        return (self.name, message)


@pytest.mark.parametrize("when", ["in line", "granted"])
async def test_a_shrink_meeting_an_ask_waiting_for_room_at_the_leaver(when: str) -> None:
    """The leaver (the highest-numbered) is busy with its mailbox of one full and an ask in
    line: the shrink begins then, or in the turn the ask is granted the place "q" freed."""
    entered, gate = asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(5), ActorSystem(metrics=False) as system:
        pool = await system.spawn_pool(Slow, entered, gate, size=2, mailbox_size=1)
        leaver = pool.members[1]
        cell = leaver._cell
        leaver.tell("hold")
        await entered.wait()
        leaver.tell("q")
        asking = asyncio.ensure_future(leaver.ask("the ask"))
        await asyncio.sleep(0)
        assert cell.mailbox.blocked
        if when == "in line":
            shrinking = asyncio.ensure_future(pool.resize(1))
            gate.set()
        else:
            gate.set()
            while not cell.mailbox.granted:
                await asyncio.sleep(0)
            shrinking = asyncio.ensure_future(pool.resize(1))
        assert (await asking)[1] == "the ask"
        await shrinking
        assert [m.name for m in pool.members] == ["0"]
        assert not leaver.is_alive
        assert room_problems(cell.mailbox) == []
        assert system.accounting().balanced
        await assert_settled(system)
