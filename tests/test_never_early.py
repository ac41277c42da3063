"""Every wait on the system clock ends at or after its time as read on that clock, never
before, even when the loop runs the clock's timers early (docs/api.md, Clock): task
deadlines, ask timeouts, system and actor timers, reminders, restart backoffs and a pool's
`resize` timeout. Each test waits `WAIT` seconds on an `EarlyClock` whose timers fire
`EARLY` seconds before their time."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from actorkit import (
    Actor,
    ActorSystem,
    AskTimeout,
    Backoff,
    DeadlineExceeded,
    OneForOne,
    TaskStatus,
)
from actorkit.persistence import DurableState, MemoryStore
from actorkit.testing import Probe, snapshot

from .early_clock import EarlyClock

WAIT = 2.0
EARLY = 0.5


async def ends_on_time(clock: EarlyClock, ended: Callable[[], bool]) -> None:
    """Advance to where the clock's timer fires, short of `WAIT`: nothing may have ended
    yet; then to `WAIT`, where it must have."""
    await clock.advance(WAIT - EARLY / 2)
    assert not ended(), f"ended at {clock.now()}, before {WAIT}"
    await clock.advance(EARLY / 2)
    assert ended()
    assert clock.now() == WAIT


class Gated(Actor):
    """Answers once its gate opens."""

    def __init__(self, gate: asyncio.Event) -> None:
        self.gate = gate

    async def receive(self, message: Any) -> Any:
        await self.gate.wait()
        return message


class Forwarder(Actor):
    """Starts a timer (`("once", delay)`) or crashes (`"crash"`); tells the rest to `to`."""

    def __init__(self, to: Any) -> None:
        self.to = to

    async def receive(self, message: Any) -> None:
        if message == "crash":
            raise RuntimeError("crash on purpose")
        if isinstance(message, tuple):
            self.timers.start_once("k", "ding", message[1])
        else:
            self.to.tell(message)


class Reminded(DurableState):
    """Sets a reminder for `WAIT` seconds that tells `to`."""

    def __init__(self, to: Any) -> None:
        self.to = to

    async def receive(self, message: Any) -> None:
        if message == "remind":
            await self.reminders.start("k", "ding", WAIT)
        else:
            self.to.tell(message)


async def test_a_task_deadline() -> None:
    clock = EarlyClock(EARLY)
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        handle = await system.submit("late", requires=["nobody"], deadline=WAIT)
        await ends_on_time(clock, lambda: handle.status is TaskStatus.EXPIRED)
        assert handle.finished_at == WAIT
        with pytest.raises(DeadlineExceeded):
            await handle


async def test_an_ask_timeout() -> None:
    clock = EarlyClock(EARLY)
    gate = asyncio.Event()
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        held = await system.spawn(Gated, gate)
        asking = asyncio.ensure_future(held.ask("x", timeout=WAIT))
        await ends_on_time(clock, asking.done)
        with pytest.raises(AskTimeout):
            await asking
        gate.set()


async def test_a_system_timer() -> None:
    clock = EarlyClock(EARLY)
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        system.schedule_once(WAIT, probe.ref, "ding")
        await ends_on_time(clock, lambda: probe.pending == 1)


async def test_an_actor_timer() -> None:
    clock = EarlyClock(EARLY)
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        actor = await system.spawn(Forwarder, probe.ref)
        await actor.ask(("once", WAIT))
        await ends_on_time(clock, lambda: probe.pending == 1)


async def test_a_reminder() -> None:
    clock = EarlyClock(EARLY)
    async with asyncio.timeout(10), ActorSystem(clock=clock, store=MemoryStore()) as system:
        probe = await Probe.spawn(system)
        actor = await system.spawn(Reminded, probe.ref, persistence_id="reminded")
        await actor.ask("remind")
        await ends_on_time(clock, lambda: probe.pending == 1)


async def test_a_restart_backoff() -> None:
    clock = EarlyClock(EARLY)
    strategy = OneForOne(max_restarts=3, within=10.0, backoff=Backoff(WAIT, WAIT, jitter=0))
    async with asyncio.timeout(10), ActorSystem(clock=clock, supervisor=strategy) as system:
        probe = await Probe.spawn(system)
        actor = await system.spawn(Forwarder, probe.ref)
        actor.tell("crash")
        await ends_on_time(clock, lambda: snapshot(actor).restarts == 1)


async def test_a_pool_resize_timeout() -> None:
    clock = EarlyClock(EARLY)
    gate = asyncio.Event()
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        pool = await system.spawn_pool(Gated, gate, size=2, routing="broadcast")
        pool.tell("held")  # the member leaving the shrink drains it first
        await clock.settle()
        resizing = asyncio.ensure_future(pool.resize(1, timeout=WAIT))
        await ends_on_time(clock, resizing.done)
        with pytest.raises(AskTimeout):
            await resizing
        gate.set()
