"""A member of a `broadcast` pool whose handler sends to its pool while its own mailbox is
full: its own copy could find room only once that handler returned, and no other member can
take that copy. It gets `MailboxFull` at once, as a member alone in its pool does
(docs/api.md §2), before any copy is sent: copies already at other members would make a
resend duplicate them. With room, its own copy goes first, so that its mailbox filling while
the send waits for room at another member cannot fail the send halfway."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorSystem, MailboxFull
from actorkit.testing import ManualClock

BOUND = 5.0


class Gossips(Actor):
    """Asked `(pool, started, gate)`, says it started, waits for the gate, then sends "news"
    to its pool and tells what came of it; told an event, waits for it; notes the rest."""

    def __init__(self, seen: list[tuple[str, Any]]) -> None:
        self.seen = seen

    async def receive(self, message: Any) -> Any:
        if isinstance(message, tuple):
            pool, started, gate = message
            started.set()
            await gate.wait()
            try:
                await pool.send("news")
            except MailboxFull:
                return "full"
            return "sent"
        if isinstance(message, asyncio.Event):
            await message.wait()
        elif message != "flush":
            self.seen.append((self.name, message))
        return None


async def test_a_full_member_s_broadcast_send_sends_no_copy() -> None:
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        seen: list[tuple[str, Any]] = []
        pool = await system.spawn_pool(Gossips, seen, size=3, routing="broadcast", mailbox_size=1)
        middle = pool.members[1]  # a copy goes to member 0 before its own
        started, gate = asyncio.Event(), asyncio.Event()
        asked = asyncio.ensure_future(middle.ask((pool, started, gate), timeout=BOUND))
        await started.wait()
        middle.tell("queued")  # its mailbox is full now
        gate.set()
        assert await asked == "full"
        await pool.send("after")
        for member in pool.members:  # each has handled what it holds
            await member.ask("flush", timeout=BOUND)
        assert sorted(seen) == [
            ("0", "after"),
            ("1", "after"),
            ("1", "queued"),
            ("2", "after"),
        ]
        assert system.dead_letters.count == 0
        assert system.accounting().balanced


async def test_a_member_with_room_sends_a_copy_to_every_member_itself_included() -> None:
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        seen: list[tuple[str, Any]] = []
        pool = await system.spawn_pool(Gossips, seen, size=3, routing="broadcast", mailbox_size=1)
        started, gate = asyncio.Event(), asyncio.Event()
        gate.set()
        assert await pool.members[1].ask((pool, started, gate), timeout=BOUND) == "sent"
        for member in pool.members:  # each has handled what it holds
            await member.ask("flush", timeout=BOUND)
        assert sorted(seen) == [("0", "news"), ("1", "news"), ("2", "news")]


async def test_a_member_s_own_copy_goes_first_while_it_has_room(clock: ManualClock) -> None:
    """Member 1 sends while member 0 is full: its send waits there. Meanwhile a sender fills
    member 1's mailbox. Its own copy was put first, so the send then completes."""
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock) as system:
        seen: list[tuple[str, Any]] = []
        pool = await system.spawn_pool(Gossips, seen, size=3, routing="broadcast", mailbox_size=1)
        first, middle, _ = pool.members
        hold = asyncio.Event()
        first.tell(hold)
        await clock.settle()
        first.tell("queued")  # member 0 is full
        started, gate = asyncio.Event(), asyncio.Event()
        gate.set()
        asked = asyncio.ensure_future(middle.ask((pool, started, gate), timeout=BOUND))
        await clock.settle()  # its send waits for room at member 0
        filling = asyncio.ensure_future(middle.send("later"))
        await clock.settle()
        hold.set()
        assert await asked == "sent"
        await filling
        for member in pool.members:
            await member.ask("flush", timeout=BOUND)
        assert sorted(seen) == [
            ("0", "news"),
            ("0", "queued"),
            ("1", "later"),
            ("1", "news"),
            ("2", "news"),
        ]
        assert system.dead_letters.count == 0
        assert system.accounting().balanced
