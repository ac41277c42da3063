"""A supervisor's cut (its strategy's `shutdown` time passed) where it meets the other
features: watchers, timers, metrics, outside stops, a shutdown, children spawned in a handler
(API 9, "Supervision")."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import (
    Actor,
    ActorStopped,
    ActorSystem,
    Backoff,
    ChildSpec,
    OneForAll,
    Supervisor,
    Task,
    Terminated,
)
from actorkit.testing import ManualClock, Probe, snapshot

from .invariants import TaskSnapshot, assert_settled
from .metrics_truth_support import scraped, total
from .otp_conformance_support import Watcher
from .supervision_cut_support import (
    BOUND,
    Hanging,
    Swallowing,
    _children,
    _cut_b,
    _hung,
    _pair,
)
from .supervision_support import Worker


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


class Spawning(Worker):
    async def receive(self, message: Any) -> Any:
        if message == "hang":
            self.journal.append(f"hangs {self.label}")
            await self.spawn(Hanging, self.journal, "child", name="child")
            await asyncio.Event().wait()
        return await super().receive(message)


class SlowStart(Worker):
    async def on_start(self) -> None:
        self.journal.append("hangs b")
        await asyncio.Event().wait()


class SpawnsSlow(Worker):
    async def receive(self, message: Any) -> Any:
        if message == "hang":
            await self.spawn(SlowStart, self.journal, "child", name="child")
        return await super().receive(message)


@pytest.mark.parametrize("cls", [Spawning, SpawnsSlow])
async def test_a_cut_of_a_handler_that_spawned_or_spawns_a_child(cls: type) -> None:
    journal: list[str] = []
    tasks = TaskSnapshot()
    async with asyncio.timeout(5), ActorSystem() as system:
        _sup, _a, b = await _cut_b(system, journal, cls, OneForAll(shutdown=BOUND))
        assert await b.ask("handled") == 0
        assert system.lookup(f"{b.path}/child") is None
        await assert_settled(system)
    await tasks.assert_no_leaks()  # the child's task too, its `on_start` hanging or not


async def test_a_sibling_failing_during_a_cut() -> None:
    journal: list[str] = []
    async with asyncio.timeout(5), ActorSystem() as system:
        sup = await system.spawn(
            Supervisor,
            [
                ChildSpec(Worker, journal, "a", name="a"),
                ChildSpec(Hanging, journal, "b", name="b"),
                ChildSpec(Worker, journal, "c", name="c"),
            ],
            OneForAll(shutdown=BOUND),
        )
        a, b, c = await _children(system, sup, "a", "b", "c")
        cut = asyncio.create_task(b.ask("hang"))
        await _hung(journal, "hangs b")
        a.tell("crash")
        c.tell("crash")
        with pytest.raises(ActorStopped, match="shutdown time"):
            await cut
        assert await a.ask("handled") == 0
        assert await b.ask("handled") == 0
        assert await c.ask("handled") == 0
        await assert_settled(system)


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


class Member(Actor):
    """A pool member: "hang" never returns; "crash" fails; anything else comes back."""

    def __init__(self, journal: list[str]) -> None:
        self.journal = journal

    async def receive(self, message: Any) -> Any:
        if message == "hang":
            self.journal.append("hangs b")
            await asyncio.Event().wait()
        if message == "crash":
            raise RuntimeError("crashed")
        return message


@pytest.mark.parametrize("routing", ["round_robin", "least_loaded", "consistent_hash", "random"])
async def test_a_pool_member_cut_by_a_one_for_all_restart_keeps_its_queue_and_routes(
    routing: str,
) -> None:
    journal: list[str] = []
    async with asyncio.timeout(5), ActorSystem() as system:
        pool = await system.spawn_pool(
            Member,
            journal,
            size=2,
            routing=routing,
            supervisor=OneForAll(shutdown=BOUND),
            hash_key=(lambda message: message) if routing == "consistent_hash" else None,
        )
        hanging, other = pool.members
        cut = asyncio.create_task(hanging.ask("hang"))
        await _hung(journal, "hangs b")
        queued = [asyncio.create_task(pool.ask(n)) for n in range(6)]
        at_the_member = [asyncio.create_task(hanging.ask(n)) for n in range(3)]
        await asyncio.sleep(0)
        other.tell("crash")
        with pytest.raises(ActorStopped, match="shutdown time"):
            await cut
        assert [await ask for ask in queued] == list(range(6))
        assert [await ask for ask in at_the_member] == list(range(3))
        assert [await pool.ask(n) for n in range(10)] == list(range(10))
        assert snapshot(hanging).restarts == 1
        await assert_settled(system)


class Agent(Actor):
    """Hangs on a task's first attempt; answers later ones."""

    capabilities = ("x",)

    def __init__(self, journal: list[str]) -> None:
        self.journal = journal

    async def receive(self, message: Any) -> Any:
        if isinstance(message, Task):
            if message.attempt == 1 and message.payload == "p":
                self.journal.append("hangs b")
                await asyncio.Event().wait()
            return ("done", message.payload, message.attempt)
        return message


@pytest.mark.parametrize("retries", [0, 1])
async def test_an_agent_cut_mid_task_fails_the_attempt_and_retries_as_documented(
    retries: int,
) -> None:
    journal: list[str] = []
    async with asyncio.timeout(5), ActorSystem() as system:
        sup = await system.spawn(
            Supervisor,
            [ChildSpec(Worker, journal, "a", name="a"), ChildSpec(Agent, journal, name="b")],
            OneForAll(shutdown=BOUND),
        )
        a, b = await _children(system, sup, "a", "b")
        handle = await system.submit("p", requires=("x",), retries=retries)
        await _hung(journal, "hangs b")
        a.tell("crash")
        if retries:
            assert await handle == ("done", "p", 2)
            assert handle.status == "succeeded"
        else:
            with pytest.raises(ActorStopped, match="shutdown time"):
                await handle
            assert handle.status == "failed"
        assert await b.ask("ok") == "ok"
        (info,) = system.agents()
        assert info.state == "idle" and info.current_task is None and info.restarts == 1
        again = await system.submit("q", requires=("x",))
        assert await again == ("done", "q", 1)
        await assert_settled(system)


class Plain(Actor):
    """No `on_start`, no `on_stop`: dormant until its first message."""

    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError("crashed")
        return message


@pytest.mark.parametrize("woken", [False, True])
async def test_a_brutal_kill_of_a_dormant_or_parked_sibling_restarts_it(woken: bool) -> None:
    async with asyncio.timeout(5), ActorSystem() as system:
        probe = await Probe.spawn(system)
        watcher = await system.spawn(Watcher, probe.ref)
        sup = await system.spawn(
            Supervisor,
            [ChildSpec(Plain, name="a"), ChildSpec(Plain, name="b")],
            OneForAll(shutdown=0),
        )
        a, b = await _children(system, sup, "a", "b")
        await watcher.ask(b)
        if woken:
            assert await b.ask(1) == 1
        a.tell("crash")
        assert await a.ask(2) == 2
        assert await b.ask(3) == 3
        assert snapshot(b).restarts == 1
        await watcher.ask("sync")
        probe.expect_empty()
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
