"""ManualClock.settle: returns once every actor is parked, fails loudly when one never is."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import actorkit.testing
from actorkit import Actor, ActorSystem
from actorkit.testing import ManualClock, Probe, snapshot, snapshots

from .testing_support import Echo, Held


class Spinner(Actor):
    """Tells itself forever: never quiet, though it never blocks the loop."""

    async def receive(self, message: Any) -> Any:
        self.ref.tell(message)


async def test_settle_returns_once_every_actor_is_parked(clock: ManualClock) -> None:
    async with ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        for n in range(100):
            probe.ref.tell(n)
        await clock.settle()
        assert probe.pending == 100
        assert all(s.parked for s in snapshots(system))


async def test_settle_counts_a_handler_waiting_on_the_test_as_quiet(clock: ManualClock) -> None:
    gate = asyncio.Event()
    async with ActorSystem(clock=clock) as system:
        ref = await system.spawn(Held)
        asked = asyncio.ensure_future(ref.ask(gate, timeout=2.0))
        await clock.settle()  # returns: only the test can move the handler on
        assert not snapshot(ref).parked and not asked.done()
        await clock.advance(2.0)  # so advancing past the ask's deadline works
        with pytest.raises(TimeoutError):
            await asked
        gate.set()
        await clock.settle()
        assert snapshot(ref).parked


async def test_settle_raises_when_an_actor_never_goes_quiet(
    clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(actorkit.testing, "SETTLE_LIMIT", 50)
    async with ActorSystem(clock=clock) as system:
        ref = await system.spawn(Spinner)
        ref.tell("again")
        with pytest.raises(RuntimeError, match="did not settle after 50 loop turns") as info:
            await clock.settle()
        assert "still runnable: " in str(info.value)
        with pytest.raises(RuntimeError, match="did not settle"):
            await clock.advance(1.0)  # advance settles first, so it fails the same way
        await ref.stop()
        await clock.settle()


async def test_a_shut_down_system_holds_no_settle_back() -> None:
    clock = ManualClock()
    system = await ActorSystem(clock=clock).start()
    await system.spawn(Echo)
    await system.shutdown()
    await clock.settle()
    await clock.advance(1.0)


class Rearming(Actor):
    """Starts its timer again, due at once, every time it fires: time can never move on."""

    async def receive(self, message: Any) -> Any:
        self.timers.start_once("again", message, 0)


async def test_advance_raises_when_timers_keep_falling_due_without_time_moving(
    clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(actorkit.testing, "SETTLE_LIMIT", 200)
    async with asyncio.timeout(20), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Rearming)
        ref.tell("tick")
        with pytest.raises(RuntimeError, match=r"fired 200 timers at 0\.0 without time moving"):
            await clock.advance(1.0)
        await ref.stop()
        await clock.advance(1.0)  # once it is gone, time moves again
        assert clock.now() == 1.0
