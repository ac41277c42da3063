"""An actor's own timers: a key replaces, cancel, and they end at restart and stop (API 5)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.testing import ManualClock, Probe, pending_timers

from .timers_support import Stepper, Ticker, tick_refused_as_full


async def test_actor_timer_same_key_replaces(clock: ManualClock) -> None:
    async with ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        ref = await system.spawn(Ticker, probe.ref)
        await ref.ask(("once", "k", "first", 1.0))
        await ref.ask(("once", "k", "second", 2.0))
        await clock.advance(5)
        await probe.expect("second")
        probe.expect_empty()


async def test_actor_timer_cancel(clock: ManualClock) -> None:
    async with ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        ref = await system.spawn(Ticker, probe.ref)
        await ref.ask(("every", "k", "tick", 1.0))
        await clock.advance(1)
        assert await ref.ask(("cancel", "k")) is True
        assert await ref.ask(("cancel", "k")) is False
        await clock.advance(5)
        assert probe.pending == 1


async def test_actor_timers_end_at_restart_and_at_stop(clock: ManualClock) -> None:
    async with ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        ref = await system.spawn(Ticker, probe.ref)
        await ref.ask(("every", "k", "tick", 1.0))
        assert pending_timers(system) == 1
        with pytest.raises(RuntimeError):
            await ref.ask("crash")
        await clock.advance(5)
        assert probe.pending == 0
        assert pending_timers(system) == 0
        assert await ref.ask("active") == 0
        await ref.ask(("every", "k", "tick", 1.0))
        await ref.stop()
        await clock.advance(5)
        assert probe.pending == 0
        assert pending_timers(system) == 0


async def test_len_counts_live_timers_and_a_one_off_that_fired_cancels_nothing(
    clock: ManualClock,
) -> None:
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        ref = await system.spawn(Ticker, probe.ref)
        await ref.ask(("once", "k", "tick", 1.0))
        await ref.ask(("every", "e", "every", 5.0))
        assert await ref.ask("active") == 2
        await clock.advance(1.0)
        await probe.expect("tick")
        assert await ref.ask("active") == 1
        assert await ref.ask(("cancel", "k")) is False  # fired and handled: nothing to stop


async def test_a_tick_refused_by_a_full_mailbox_is_a_dead_letter(clock: ManualClock) -> None:
    seen: list[Any] = []
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Stepper, seen, mailbox_size=1)
        await ref.ask(lambda actor: actor.timers.start_every("k", "tick", 1.0))
        gate = await tick_refused_as_full(system, clock, ref)
        gate.set()
        await ref.ask(lambda actor: actor.timers.cancel("k"))
        assert seen == ["filler"]
