"""Bounded pool members that are full (docs/api.md §9, Order and delivery, Router): a `tell`
raises `MailboxFull`, a `send` waits for room at the member chosen and loses nothing (also
when that member leaves a shrink meanwhile), and an ask or send cancelled while it waits
leaves nothing behind: no message, no dead letter, the accounting balanced."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, MailboxFull
from actorkit.testing import ManualClock

SINGLE = ("round_robin", "random", "least_loaded", "consistent_hash")


class Held(Actor):
    """Waits for the gate on "hold"; notes everything else it handles."""

    def __init__(self, gate: asyncio.Event, seen: list[tuple[str, Any]]) -> None:
        self.gate, self.seen = gate, seen

    async def receive(self, message: Any) -> Any:
        if message == "hold":
            await self.gate.wait()
        else:
            self.seen.append((self.name, message))
        return self.name


async def _full_pool(
    system: ActorSystem, clock: ManualClock, routing: str, gate: asyncio.Event, seen: list[Any]
) -> Any:
    """Two members of capacity 1, each busy on "hold" with one message queued."""
    hash_key = (lambda message: "one key") if routing == "consistent_hash" else None
    pool = await system.spawn_pool(
        Held, gate, seen, size=2, routing=routing, hash_key=hash_key, mailbox_size=1
    )
    for member in pool.members:
        member.tell("hold")
    await clock.settle()
    for member in pool.members:
        member.tell("queued")
    return pool


@pytest.mark.parametrize("routing", SINGLE)
async def test_sends_wait_for_room_at_full_members_and_lose_nothing(
    routing: str, clock: ManualClock
) -> None:
    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        gate, seen = asyncio.Event(), list[tuple[str, Any]]()
        pool = await _full_pool(system, clock, routing, gate, seen)
        with pytest.raises(MailboxFull):
            pool.tell("refused")
        sends = [asyncio.ensure_future(pool.send(("sent", n))) for n in range(6)]
        await clock.settle()
        assert not any(send.done() for send in sends)
        gate.set()
        await asyncio.gather(*sends)
        await clock.settle()
        sent = [message for _, message in seen if message != "queued"]
        assert sorted(sent) == [("sent", n) for n in range(6)]
        for name in ("0", "1"):  # each member got its share in the order it was sent
            mine = [message for who, message in seen if who == name and message != "queued"]
            assert mine == sorted(mine)
        assert system.dead_letters.count == 0
        assert system.accounting().balanced


@pytest.mark.parametrize("routing", SINGLE)
async def test_sends_waiting_at_a_member_leaving_a_shrink_are_handled(
    routing: str, clock: ManualClock
) -> None:
    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        gate, seen = asyncio.Event(), list[tuple[str, Any]]()
        pool = await _full_pool(system, clock, routing, gate, seen)
        sends = [asyncio.ensure_future(pool.send(("sent", n))) for n in range(6)]
        await clock.settle()
        shrinking = asyncio.ensure_future(pool.resize(1))
        await clock.settle()
        assert [member.name for member in pool.members] == ["0"]
        gate.set()
        await shrinking
        await asyncio.gather(*sends)
        await clock.settle()
        sent = [message for _, message in seen if message != "queued"]
        assert sorted(sent) == [("sent", n) for n in range(6)]
        assert system.dead_letters.count == 0
        assert system.accounting().balanced


@pytest.mark.parametrize("routing", [*SINGLE, "broadcast"])
async def test_asks_and_sends_cancelled_while_waiting_for_room_leave_nothing(
    routing: str, clock: ManualClock
) -> None:
    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        gate, seen = asyncio.Event(), list[tuple[str, Any]]()
        pool = await _full_pool(system, clock, routing, gate, seen)
        waiting = [asyncio.ensure_future(pool.ask(("asked", n), timeout=60.0)) for n in range(3)]
        waiting += [asyncio.ensure_future(pool.send(("sent", n))) for n in range(3)]
        unstarted = [asyncio.ensure_future(pool.ask(("never", n), timeout=60.0)) for n in range(2)]
        for task in unstarted:
            task.cancel()  # before its first step: chosen maybe, never sent
        await clock.settle()
        assert not any(task.done() for task in waiting)
        for task in waiting:
            task.cancel()
        await asyncio.gather(*waiting, *unstarted, return_exceptions=True)
        gate.set()
        await clock.settle()
        assert [message for _, message in seen if message != "queued"] == []
        assert system.dead_letters.count == 0
        assert system.accounting().balanced
        assert await pool.ask("after", timeout=1.0) in ("0", "1")
