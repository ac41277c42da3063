"""API.md section 5 (scheduling), what no other test pinned: cancelling a `schedule_once`
before it fires, and a key that replaces a timer of the other kind or of another interval."""

from __future__ import annotations

import asyncio

from actorkit import ActorSystem
from actorkit.testing import ManualClock, Probe, pending_timers

from .timers_support import Ticker


async def test_a_one_off_cancelled_before_it_is_due_never_fires(clock: ManualClock) -> None:
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        handle = system.schedule_once(1.0, probe.ref, "never")
        system.schedule_once(2.0, probe.ref, "kept")
        await clock.advance(0.5)
        assert handle.cancel() is True
        assert handle.cancel() is False
        await clock.advance(5.0)
        await probe.expect("kept")
        probe.expect_empty()
        assert pending_timers(system) == 0


async def test_a_one_off_replaces_a_periodic_timer_of_its_key(clock: ManualClock) -> None:
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        ref = await system.spawn(Ticker, probe.ref)
        await ref.ask(("every", "k", "tick", 1.0))
        await clock.advance(1.0)
        await probe.expect("tick")
        await ref.ask(("once", "k", "once", 2.5))
        await clock.advance(10.0)
        await probe.expect("once")
        probe.expect_empty()
        assert await ref.ask("active") == 0


async def test_a_periodic_timer_started_again_takes_its_new_interval(clock: ManualClock) -> None:
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        ref = await system.spawn(Ticker, probe.ref)
        await ref.ask(("every", "k", "fast", 1.0))
        await ref.ask(("every", "k", "slow", 3.0))
        await clock.advance(6.5)
        assert [await probe.receive() for _ in range(2)] == ["slow", "slow"]
        probe.expect_empty()
        assert await ref.ask("active") == 1
