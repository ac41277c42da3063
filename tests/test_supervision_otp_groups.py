"""OTP conformance of one_for_all / rest_for_one restarts, backoff waits and death watch
across them: what a restarted sibling keeps, which siblings come back, where children
started later stand in the order, and how long a restart waits for a sibling to stop
(API 3, API 9 "Supervision")."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import (
    ActorStopped,
    ActorSystem,
    Backoff,
    ChildSpec,
    OneForAll,
    OneForOne,
    RestForOne,
    Supervisor,
    Terminated,
)
from actorkit.testing import ManualClock, Probe, snapshot

from .otp_conformance_support import Quitter, Spawning, Watcher
from .supervision_support import Worker, specs


class Held(Worker):
    """Its "hold" handler waits for `gate` and answers "held"."""

    gate: asyncio.Event

    async def receive(self, message: Any) -> Any:
        if message == "hold":
            await self.gate.wait()
            return "held"
        return await super().receive(message)


async def test_a_one_for_all_restart_keeps_a_sibling_s_queue_and_answers_its_asks(
    clock: ManualClock,
) -> None:
    """The ask b is handling when a fails is answered by the old instance (the restart
    waits for it); the asks queued behind it are kept, and answered by the new one."""
    journal: list[str] = []
    Held.gate = asyncio.Event()
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        sup = await system.spawn(
            Supervisor,
            [ChildSpec(Worker, journal, "a", name="a"), ChildSpec(Held, journal, "b", name="b")],
            OneForAll(),
        )
        a, b = system.lookup(f"{sup.path}/a"), system.lookup(f"{sup.path}/b")
        assert a is not None and b is not None
        in_flight = asyncio.create_task(b.ask("hold"))
        await clock.advance(0)
        queued = [asyncio.create_task(b.ask(n)) for n in range(3)]
        a.tell("crash")
        await clock.advance(0)
        assert journal == ["start a", "start b"]  # the restart waits for b's handler
        Held.gate.set()
        assert await in_flight == "held"
        assert [await ask for ask in queued] == [0, 1, 2]
        assert await b.ask("handled") == 3  # by the new instance, fresh at 0
        assert journal == ["start a", "start b", "stop b", "stop a", "start a", "start b"]


async def test_one_for_all_removes_a_temporary_sibling_and_restarts_a_transient_one(
    clock: ManualClock,
) -> None:
    """OTP: siblings are terminated in reverse start order and restarted in start order,
    temporary ones excepted (terminated and removed, their watchers told of a normal stop)."""
    journal: list[str] = []
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        watcher = await system.spawn(Watcher, probe.ref)
        sup = await system.spawn(
            Supervisor,
            specs(journal, "a")
            + specs(journal, "t", restart="temporary")
            + specs(journal, "r", restart="transient"),
            OneForAll(),
        )
        a, t = system.lookup(f"{sup.path}/a"), system.lookup(f"{sup.path}/t")
        assert a is not None and t is not None
        await watcher.ask(t)
        journal.clear()
        a.tell("crash")
        await clock.advance(0)
        await sup.ask("sync")
        assert journal == ["stop r", "stop t", "stop a", "start a", "start r"]
        assert snapshot(sup).children == ("a", "r")
        stopped = await probe.expect(Terminated)
        assert (stopped.ref, stopped.reason) == (t, None)


@pytest.mark.parametrize(
    ("restart", "expected"),
    [
        pytest.param("transient", ["stop q"], id="transient_touches_no_sibling"),
        pytest.param(
            "permanent",
            ["stop c", "stop q", "stop a", "start a", "start q", "start c"],
            id="permanent_restarts_the_group",
        ),
    ],
)
async def test_a_normal_exit_under_one_for_all(
    clock: ManualClock, restart: str, expected: list[str]
) -> None:
    """OTP restarts on a normal exit only a permanent child, and then by the strategy. The
    instance that stopped itself ends at its place in the reverse start order (API 9): its
    `on_stop` waits for the decision, as a failed instance's does."""
    journal: list[str] = []
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        sup = await system.spawn(
            Supervisor,
            [
                ChildSpec(Worker, journal, "a", name="a"),
                ChildSpec(Quitter, journal, "q", name="q", restart=restart),
                ChildSpec(Worker, journal, "c", name="c"),
            ],
            OneForAll(),
        )
        q = system.lookup(f"{sup.path}/q")
        assert q is not None
        journal.clear()
        q.tell("quit")
        await clock.advance(0)
        await sup.ask("sync")
        assert journal == expected
        assert q.is_alive is (restart == "permanent")


async def test_a_child_started_during_a_group_s_backoff_is_not_started_by_it_and_comes_last(
    clock: ManualClock,
) -> None:
    """OTP's `start_child` appends a child to the start order: the restart delayed by the
    backoff starts only the children it stopped, and the next one_for_all restart stops the
    new child first and starts it last."""
    journal: list[str] = []
    strategy = OneForAll(max_restarts=10, backoff=Backoff(min=2.0, max=2.0, jitter=0))
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        sup = await system.spawn(Spawning, specs(journal, "a", "b"), strategy)
        a = system.lookup(f"{sup.path}/a")
        assert a is not None
        a.tell("crash")
        await clock.advance(0)
        d = await sup.ask(("spawn", Worker, (journal, "d"), {"name": "d"}))
        await clock.advance(2.0)
        await sup.ask("sync")
        assert journal == [
            "start a",
            "start b",
            "stop b",
            "stop a",
            "start d",
            "start a",
            "start b",
        ]
        assert snapshot(sup).children == ("a", "b", "d")
        journal.clear()
        d.tell("crash")
        await clock.advance(4.0)  # the second restart in a row waits twice as long
        await sup.ask("sync")
        assert journal == ["stop d", "stop b", "stop a", "start a", "start b", "start d"]


async def test_a_name_reused_after_a_stop_takes_its_place_at_the_end_of_the_start_order(
    clock: ManualClock,
) -> None:
    journal: list[str] = []
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        watcher = await system.spawn(Watcher, probe.ref)
        sup = await system.spawn(Spawning, specs(journal, "a", "x", "c"), RestForOne())
        old = system.lookup(f"{sup.path}/x")
        assert old is not None
        await watcher.ask(old)
        await old.stop()
        assert (await probe.expect(Terminated)).ref == old
        new = await sup.ask(("spawn", Worker, (journal, "x"), {"name": "x"}))
        assert new != old and system.lookup(f"{sup.path}/x") == new
        await watcher.ask(new)
        a = system.lookup(f"{sup.path}/a")
        assert a is not None
        journal.clear()
        a.tell("crash")
        await clock.advance(0)
        await sup.ask("sync")
        assert journal == ["stop x", "stop c", "stop a", "start a", "start c", "start x"]
        await watcher.ask("sync")
        probe.expect_empty()  # a restart is no Terminated, of the new x nor of the old


async def test_watchers_hear_of_no_restart_and_of_the_final_stop_once(clock: ManualClock) -> None:
    journal: list[str] = []
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        watcher = await system.spawn(Watcher, probe.ref)
        sup = await system.spawn(Supervisor, specs(journal, "a", "b"), OneForAll(max_restarts=5))
        a, b = system.lookup(f"{sup.path}/a"), system.lookup(f"{sup.path}/b")
        assert a is not None and b is not None
        await watcher.ask(a)
        await watcher.ask(b)
        for _ in range(3):
            a.tell("crash")
            await clock.advance(0)
            await sup.ask("sync")
        await watcher.ask("sync")
        probe.expect_empty()
        await a.stop()
        stopped = await probe.expect(Terminated)
        assert (stopped.ref, stopped.reason) == (a, None)
        await watcher.ask("sync")
        probe.expect_empty()


async def test_asks_sent_during_a_backoff_wait_and_are_answered_in_order(
    clock: ManualClock,
) -> None:
    journal: list[str] = []
    strategy = OneForOne(backoff=Backoff(min=2.0, max=8.0, jitter=0))
    async with asyncio.timeout(10), ActorSystem(clock=clock, supervisor=strategy) as system:
        ref = await system.spawn(Worker, journal, "w")
        ref.tell("crash")
        await clock.advance(0)
        asks = [asyncio.create_task(ref.ask(n, timeout=60)) for n in range(3)]
        await clock.advance(1.9)
        assert not any(ask.done() for ask in asks)
        await clock.advance(0.1)
        assert [await ask for ask in asks] == [0, 1, 2]


async def test_a_shutdown_during_a_backoff_does_not_wait_it_out(clock: ManualClock) -> None:
    """Nothing is restarted once the program exits (OTP's shutdown restarts nothing): the
    queued ask fails with `ActorStopped`, and no timer of the backoff is left."""
    journal: list[str] = []
    strategy = OneForOne(backoff=Backoff(min=100.0, max=100.0, jitter=0))
    async with asyncio.timeout(10):
        system = ActorSystem(clock=clock, supervisor=strategy)
        async with system:
            ref = await system.spawn(Worker, journal, "w")
            ref.tell("crash")
            await clock.advance(0)
            pending = asyncio.create_task(ref.ask("q", timeout=1000))
            await clock.advance(0)
            await system.shutdown(timeout=5)
        with pytest.raises(ActorStopped):
            await pending
        assert journal == ["start w", "stop w"]
        assert system.dead_letters.by_reason.get("not_restarted") == 1
        assert clock.pending == 0


async def test_a_restart_waits_for_a_sibling_s_on_stop_without_a_time_limit(
    clock: ManualClock,
) -> None:
    """No counterpart of OTP's child `shutdown` time (API 9): the restart waits for the
    hanging `on_stop` however long the clock runs, and completes when it returns."""
    journal: list[str] = []
    release = asyncio.Event()

    class Hanging(Worker):
        async def on_stop(self) -> None:
            await release.wait()
            await super().on_stop()

    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        sup = await system.spawn(
            Supervisor,
            [ChildSpec(Worker, journal, "a", name="a"), ChildSpec(Hanging, journal, "h", name="h")],
            OneForAll(),
        )
        a = system.lookup(f"{sup.path}/a")
        assert a is not None
        a.tell("crash")
        answer = asyncio.create_task(sup.ask("sync", timeout=1000))
        await clock.advance(500)
        assert not answer.done()
        assert journal == ["start a", "start h"]
        release.set()
        await answer
        assert journal == ["start a", "start h", "stop h", "stop a", "start a", "start h"]
