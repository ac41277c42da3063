"""`ManualClock.advance` and many clock entries due at one instant.

Its guard against a timer that starts itself again at no delay (time could never move on)
must tell that apart from a burst: any number of entries armed earlier for the same later
instant (thousands of children restarting after the same backoff) fire, each once, and time
moves on. Only a chain of entries, each armed at no delay after the one before it fired,
trips it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import actorkit.testing
from actorkit import Actor, ActorSystem, Backoff, OneForOne
from actorkit.testing import SETTLE_LIMIT, ManualClock, snapshot

pytestmark = pytest.mark.timeout(60)


async def test_more_entries_than_the_limit_due_at_one_instant_all_fire() -> None:
    clock = ManualClock()
    fired: list[float] = []

    def arm_many() -> None:  # all armed at 0.5, for 1.0: time moves before they fire
        for _ in range(SETTLE_LIMIT + 1):
            clock.call_at(1.0, lambda: fired.append(clock.now()))

    clock.call_at(0.5, arm_many)
    await clock.advance(2.0)
    assert (len(fired), set(fired), clock.now()) == (SETTLE_LIMIT + 1, {1.0}, 2.0)


class Failing(Actor):
    async def receive(self, message: Any) -> None:
        raise ValueError("fails on purpose")


class Parent(Actor):
    """Its children all fail on one tick, and all restart after the same backoff."""

    supervisor_strategy = OneForOne(
        max_restarts=1000, within=1.0, backoff=Backoff(min=1.0, max=1.0, jitter=0)
    )

    def __init__(self, children: int) -> None:
        self.count = children

    async def on_start(self) -> None:
        for n in range(self.count):
            child = await self.spawn(Failing, name=f"c{n}")
            self.system.schedule_once(0.5, child, "fail")


async def test_children_restarting_after_one_backoff_past_the_limit_all_restart(
    clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The limit made small, so that a few dozen children exceed it as 10,001 would."""
    monkeypatch.setattr(actorkit.testing, "SETTLE_LIMIT", 20)
    async with asyncio.timeout(20), ActorSystem(clock=clock) as system:
        await system.spawn(Parent, 30, name="parent")
        await clock.advance(2.0)
        children = [system.lookup(f"/parent/c{n}") for n in range(30)]
        restarts = [snapshot(child).restarts for child in children if child is not None]
        assert (restarts, clock.now()) == ([1] * 30, 2.0)


async def test_a_chain_of_no_delay_entries_is_named_as_such(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(actorkit.testing, "SETTLE_LIMIT", 20)
    clock = ManualClock()

    def again() -> None:
        clock.call_at(clock.now(), again)

    clock.call_at(1.0, again)
    with pytest.raises(RuntimeError, match=r"each armed at no delay by the one before it"):
        await clock.advance(2.0)
