"""A supervisor's cut (its strategy's `shutdown` time passed) where it meets the runtime around
the child: its watchers, its timers, the metrics, a stop from outside, the system's shutdown,
a manual clock (API 9, "Supervision")."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import ActorStopped, ActorSystem, Backoff, OneForAll, Terminated
from actorkit.testing import ManualClock, Probe, cancel_task, snapshot

from .invariants import assert_settled
from .metrics_truth_support import scraped, total
from .otp_conformance_support import Watcher
from .supervision_cut_support import BOUND, Hanging, Swallowing, _cut_b, _hung, _pair


class Ticking(Hanging):
    """Each instance ticks every millisecond into the journal, with its own number."""

    instances = 0

    async def on_start(self) -> None:
        await super().on_start()
        type(self).instances += 1
        self.number = type(self).instances
        self.timers.start_every("tick", ("tick", self.number), 0.001)

    async def receive(self, message: Any) -> Any:
        if isinstance(message, tuple) and message[0] == "tick":
            if message[1] != self.number:
                self.journal.append(f"stale tick {message[1]} at {self.number}")
            else:
                self.journal.append(f"tick {message[1]}")
            return None
        return await super().receive(message)


async def test_a_watcher_hears_nothing_of_a_cut_restart_and_once_of_a_cut_stop() -> None:
    journal: list[str] = []
    async with asyncio.timeout(5), ActorSystem() as system:
        probe = await Probe.spawn(system)
        watcher = await system.spawn(Watcher, probe.ref)
        _sup, a, b = await _pair(
            system, journal, Hanging, OneForAll(max_restarts=1, shutdown=BOUND)
        )
        await watcher.ask(b)
        for _ in range(2):  # a restart, then a give-up: a stop for good
            cut = asyncio.create_task(b.ask("hang"))
            await _hung(journal, "hangs b")
            journal.remove("hangs b")
            a.tell("crash")
            with pytest.raises(ActorStopped, match="shutdown time"):
                await cut
        ended = await probe.receive()
        assert isinstance(ended, Terminated) and ended.ref == b
        await watcher.ask("sync")  # anything after it would be in the probe by now
        await asyncio.sleep(0)
        probe.expect_empty()


async def test_the_timers_of_a_cut_instance_end_and_the_new_one_s_tick() -> None:
    journal: list[str] = []
    Ticking.instances = 0
    async with asyncio.timeout(5), ActorSystem() as system:
        _sup, _a, b = await _cut_b(system, journal, Ticking, OneForAll(shutdown=BOUND))
        while "tick 2" not in journal:
            await b.ask("handled")
        for _ in range(5):
            await b.ask("handled")
        assert not [e for e in journal if e.startswith("stale")], journal


async def test_a_cut_counts_one_failure_and_one_restart_and_leaves_the_system_settled() -> None:
    journal: list[str] = []
    async with asyncio.timeout(5), ActorSystem() as system:
        _sup, _a, b = await _cut_b(system, journal, Hanging, OneForAll(shutdown=BOUND))
        assert await b.ask("handled") == 0
        samples = scraped(system)
        print({k: v for k, v in samples.items() if "Hanging" in str(k) or "ask" in k[0]})
        assert total(samples, "actorkit_actor_failures_total", actor_type="Hanging") == 1
        assert total(samples, "actorkit_actor_restarts_total", actor_type="Hanging") == 1
        assert total(samples, "actorkit_asks_total", actor_type="Hanging", outcome="stopped") == 1
        assert total(samples, "actorkit_asks_total", actor_type="Hanging", outcome="ok") == 1
        s = snapshot(b)
        assert s.restarts == 1
        assert s.accounting.balanced
        await assert_settled(system)


@pytest.mark.parametrize("timeout", [None, BOUND / 5])
async def test_an_outside_stop_during_a_cut_ends_the_actor_for_good_once(
    timeout: float | None,
) -> None:
    """The supervisor meant a restart; the stop from outside wins: no new instance, one
    `Terminated`, the sibling restarted all the same."""
    journal: list[str] = []
    async with asyncio.timeout(5), ActorSystem() as system:
        probe = await Probe.spawn(system)
        watcher = await system.spawn(Watcher, probe.ref)
        sup, a, b = await _pair(system, journal, Hanging, OneForAll(shutdown=BOUND))
        await watcher.ask(b)
        cut = asyncio.create_task(b.ask("hang"))
        await _hung(journal, "hangs b")
        a.tell("crash")
        await b.stop(timeout=timeout)
        assert not b.is_alive
        with pytest.raises(ActorStopped):
            await cut
        ended = await probe.receive()
        assert isinstance(ended, Terminated) and ended.ref == b and ended.reason is None
        assert await a.ask("handled") == 0
        assert journal.count("start b") == 1
        await watcher.ask("sync")
        probe.expect_empty()
        assert system.lookup(f"{sup.path}/b") is None
        await assert_settled(system)


async def test_a_shutdown_during_a_cut_ends_within_its_bound() -> None:
    journal: list[str] = []
    async with asyncio.timeout(5):
        system = ActorSystem()
        await system.start()
        _sup, a, b = await _pair(system, journal, Hanging, OneForAll(shutdown=BOUND))
        cut = asyncio.create_task(b.ask("hang"))
        await _hung(journal, "hangs b")
        a.tell("crash")
        await asyncio.sleep(0)
        await system.shutdown()
        with pytest.raises(ActorStopped):
            await cut


@pytest.mark.parametrize("then", ["raise"])
async def test_a_swallowed_cut_counts_one_failure(then: str) -> None:
    journal: list[str] = []
    Swallowing.then = then
    async with asyncio.timeout(5), ActorSystem() as system:
        _sup, _a, b = await _cut_b(system, journal, Swallowing, OneForAll(shutdown=BOUND))
        assert await b.ask("handled") == 0
        samples = scraped(system)
        assert total(samples, "actorkit_actor_failures_total", actor_type="Swallowing") == 1
        assert total(samples, "actorkit_actor_restarts_total", actor_type="Swallowing") == 1
        await assert_settled(system)


async def test_a_cut_in_a_manual_clock_system_is_on_real_time() -> None:
    """The shutdown time bounds work stuck in real time (API "Clock"); the restart's
    backoff after it is on the system's clock."""
    journal: list[str] = []
    clock = ManualClock()
    strategy = OneForAll(shutdown=BOUND, backoff=Backoff(min=1.0, max=1.0, jitter=0))
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        _sup, _a, b = await _cut_b(system, journal, Hanging, strategy)
        queued = asyncio.create_task(b.ask("handled"))
        await clock.settle()
        assert not queued.done()
        assert journal == ["start a", "start b", "hangs b", "stop a"]
        await clock.advance(1.0)
        assert await queued == 0
        assert journal[-2:] == ["start a", "start b"]
        await assert_settled(system)


async def test_a_failure_and_a_forced_stop_elsewhere_while_a_cut_waits_are_their_own() -> None:
    """A cut under way anywhere in the system changes nothing for other actors: one failing
    is decided on (restarted) as ever; one whose stop is forced, or whose task is cancelled,
    closes as ever."""
    journal: list[str] = []
    Swallowing.then, Swallowing.release = "wait", asyncio.Event()
    async with asyncio.timeout(5), ActorSystem() as system:
        other = await system.spawn(Hanging, journal, "other", name="other")
        busy = await system.spawn(Hanging, journal, "busy", name="busy")
        parked = await system.spawn(Hanging, journal, "parked", name="parked")
        _sup, _a, b = await _cut_b(system, journal, Swallowing, OneForAll(shutdown=BOUND))
        with pytest.raises(RuntimeError, match="other crashed"):
            await other.ask("crash")
        assert await other.ask("handled") == 0  # its new instance
        assert snapshot(other).restarts == 1
        busy.tell("hang")
        await _hung(journal, "hangs busy")
        await busy.stop(timeout=0.01)
        assert not busy.is_alive
        assert await parked.ask("handled") == 0
        cancel_task(parked)  # as the end of `asyncio.run` cancels every task
        await parked.stop()
        assert not parked.is_alive
        assert snapshot(b).restarts == 0  # the cut still waits for it
        Swallowing.release.set()
        assert await b.ask("handled") == 0
        assert snapshot(b).restarts == 1
        await assert_settled(system)
