"""Asks release their timers; calls on a stopped actor return at once (issue 13)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorStopped, ActorSystem
from actorkit.testing import ManualClock, pending_asks

from .hardening_support import BOUND


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        return message


async def test_answered_asks_with_long_timeouts_release_their_deadline_timers() -> None:
    clock = ManualClock()
    async with ActorSystem(metrics=False, clock=clock) as system:
        ref = await system.spawn(Echo)
        for i in range(500):
            assert await ref.ask(i, timeout=1e6) == i
            await clock.advance(0.01)  # each ask in a bucket of its own
        assert pending_asks(system) == 0
        assert clock.pending <= 130  # was 500: one timer per answered ask, for 11 days


async def test_a_send_to_a_stopped_actor_given_up_in_its_yield_leaves_no_fate() -> None:
    async with ActorSystem(metrics=False) as system:
        ref = await system.spawn(Echo)
        await ref.stop()
        before = system.dead_letters.count
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0):
                await ref.send("late")
        assert system.dead_letters.count == before  # told "not delivered": it was not
        await ref.send("recorded")
        assert system.dead_letters.count == before + 1


async def test_stop_and_ask_of_a_stopped_actor_return_at_once() -> None:
    async with ActorSystem(metrics=False) as system:
        ref = await system.spawn(Echo)
        await ref.stop()
        async with asyncio.timeout(BOUND):
            await ref.stop()
            with pytest.raises(ActorStopped):
                await ref.ask("x")
