"""`self.stop()` from a task that an instance left running, once a restart has replaced that
instance: the instance it would stop is gone already (the restart ended it), so it stops
nothing. Its successor never asked to stop, as it never asked for the children or timers that
such a task is refused (`spawn` and `timers` raise `ActorStopped` there): a `transient` one
must not stop for good, a `permanent` one must not be restarted again (a restart its
supervisor would count toward intensity)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, Backoff, OneForOne
from actorkit.testing import ManualClock


class Leaver(Actor):
    """On "go", leaves a task that calls `self.stop()` once `gate` is set; fails on "crash"."""

    def __init__(self, gate: asyncio.Event, journal: list[str]) -> None:
        self.gate = gate
        self.journal = journal
        self.left: asyncio.Task[None] | None = None

    async def on_start(self) -> None:
        self.journal.append("start")

    async def on_stop(self) -> None:
        self.journal.append("stop")

    async def _stop_later(self) -> None:
        await self.gate.wait()
        self.stop()
        self.journal.append("stale stop asked")

    async def receive(self, message: Any) -> Any:
        if message == "go":
            self.left = asyncio.ensure_future(self._stop_later())
            return "ok"
        if message == "crash":
            raise RuntimeError("crash")
        return message


@pytest.mark.parametrize("restart", ["transient", "permanent"])
@pytest.mark.parametrize("backoff", [None, 5.0])
async def test_a_replaced_instance_s_self_stop_leaves_its_successor_running(
    clock: ManualClock, restart: str, backoff: float | None
) -> None:
    gate = asyncio.Event()
    journal: list[str] = []
    delay = None if backoff is None else Backoff(min=backoff, max=backoff, jitter=0)
    strategy = OneForOne(max_restarts=1, within=60.0, backoff=delay)
    async with asyncio.timeout(10), ActorSystem(clock=clock, supervisor=strategy) as system:
        ref = await system.spawn(Leaver, gate, journal, name="w", restart=restart)
        assert await ref.ask("go") == "ok"
        ref.tell("crash")
        await clock.advance(backoff or 0)
        assert journal == ["start", "stop", "start"]
        gate.set()
        await clock.settle()
        await clock.advance(10)
        assert journal == ["start", "stop", "start", "stale stop asked"]
        assert ref.is_alive
        assert await ref.ask("still here", timeout=1) == "still here"
        # the one restart its supervisor allows was the crash's: another would give up
        assert system.failure is None


async def test_a_self_stop_of_the_current_instance_from_its_own_task_still_stops_it(
    clock: ManualClock,
) -> None:
    """The instance that left the task is still the actor's: its stop is carried out."""
    gate = asyncio.Event()
    journal: list[str] = []
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Leaver, gate, journal, name="w", restart="transient")
        assert await ref.ask("go") == "ok"
        gate.set()
        await clock.settle()
        assert journal == ["start", "stale stop asked", "stop"]
        assert not ref.is_alive
