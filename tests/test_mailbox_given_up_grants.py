"""A waiting ask granted its place in the very turn its deadline came: the timeout came first,
so its message is not delivered (a dead letter `expired`, as the docs say) and the place
passes on to the next sender in line."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import ActorSystem, AskTimeout
from actorkit._mailbox import Mailbox
from actorkit.testing import ManualClock

from .actors_support import relay_full_with_a_late_ask
from .invariants import assert_invariants


async def test_an_ask_granted_room_in_the_turn_its_deadline_came_delivers_nothing() -> None:
    async with asyncio.timeout(5):
        box = Mailbox(1)
        box.offer("full")
        deadline: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        ask = asyncio.create_task(box.put("ask", give_up=deadline))
        send = asyncio.create_task(box.put("send"))
        await asyncio.sleep(0)  # one turn: both wait for room, the ask first
        box.queue.popleft()  # the actor takes its next message and grants the ask its place
        box.folded += 1
        box.admit()
        deadline.set_exception(TimeoutError())  # the ask's deadline, in that same turn
        deadline.exception()
        assert await ask is False
        assert await send is True
        assert list(box.queue) == ["send"]
        assert box.reserved == 0 and not box.blocked and box.accepted - box.processed == 1


async def test_an_ask_whose_deadline_frees_the_room_it_waits_for_is_a_dead_letter() -> None:
    """The relay's own ask to a stuck actor times out in the same instant as an ask waiting
    for room in the relay's mailbox, and first: the relay takes its next message and grants
    the waiting ask a place in the turn its timeout came. It fails with `AskTimeout`, so its
    message is an `expired` dead letter and the relay never handles it."""
    clock, gate, log = ManualClock(), asyncio.Event(), list[Any]()
    async with asyncio.timeout(10), ActorSystem(metrics=False, clock=clock) as system:
        relay, asker = await relay_full_with_a_late_ask(system, clock, gate, log)
        await clock.advance(1.0)
        with pytest.raises(AskTimeout):
            await asker
        gate.set()
        assert await relay.ask("end") == "end"
        assert log == ["relay", "queued", "end"]
        assert [(letter.message, letter.reason) for letter in system.dead_letters.recent] == [
            ("late", "expired")
        ]
        assert_invariants(system)
