"""OTP conformance where actorkit differs on purpose (API 9 "Supervision"): an `on_stop`
that raises changes nothing of the exit (in OTP a crash in `terminate/2` becomes the exit
reason), and a backoff counts each child's restarts in a row and resets after `within`."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import ActorSystem, Backoff, OneForAll, OneForOne, Supervisor, Terminated
from actorkit.testing import ManualClock, Probe

from .otp_conformance_support import Quitter, Spawning, Watcher
from .supervision_support import specs


class BreaksOnStop(Quitter):
    async def on_stop(self) -> None:
        await super().on_stop()
        raise ValueError("on_stop broke")


@pytest.mark.parametrize("restart", ["transient", "temporary"])
async def test_an_on_stop_that_raises_leaves_a_normal_exit_normal(
    clock: ManualClock, restart: str
) -> None:
    journal: list[str] = []
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        watcher = await system.spawn(Watcher, probe.ref)
        sup = await system.spawn(Spawning, [], OneForOne())
        child = await sup.ask(("spawn", BreaksOnStop, (journal, "q"), {"restart": restart}))
        await watcher.ask(child)
        child.tell("quit")
        stopped = await probe.expect(Terminated)
        assert (stopped.ref, stopped.reason) == (child, None)
        await sup.ask("sync")
        assert not child.is_alive
        assert journal == ["start q", "stop q"]


async def test_a_failure_s_reason_is_kept_when_on_stop_raises(clock: ManualClock) -> None:
    journal: list[str] = []
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        watcher = await system.spawn(Watcher, probe.ref)
        sup = await system.spawn(Spawning, [], OneForOne())
        child = await sup.ask(("spawn", BreaksOnStop, (journal, "q"), {"restart": "temporary"}))
        await watcher.ask(child)
        child.tell("crash")
        stopped = await probe.expect(Terminated)
        assert isinstance(stopped.reason, RuntimeError)
        assert str(stopped.reason) == "q crashed"


async def test_one_for_all_backoff_counts_the_restarts_in_a_row_of_the_child_that_failed(
    clock: ManualClock,
) -> None:
    """Each child's failures in a row grow its own delay (Akka's backoff is per child):
    a fails (1 s), b fails (its first: 1 s), a fails again (its second: 2 s)."""
    journal: list[str] = []
    backoff = Backoff(min=1.0, max=8.0, jitter=0)
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        sup = await system.spawn(
            Supervisor, specs(journal, "a", "b"), OneForAll(max_restarts=10, backoff=backoff)
        )
        a, b = system.lookup(f"{sup.path}/a"), system.lookup(f"{sup.path}/b")
        assert a is not None and b is not None
        for child, delay in ((a, 1.0), (b, 1.0), (a, 2.0)):
            child.tell("crash")
            await clock.advance(0)
            journal.clear()
            await clock.advance(delay - 0.5)
            assert journal == []
            await clock.advance(0.5)
            assert journal == ["start a", "start b"]
