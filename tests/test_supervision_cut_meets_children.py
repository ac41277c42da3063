"""A supervisor's cut (its strategy's `shutdown` time passed) where it meets children of other
kinds: one spawning a child in the handler being cut, a sibling failing during the cut, a pool
member, an agent mid-task, a dormant or parked sibling killed with `shutdown=0` (API 9,
"Supervision")."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from actorkit import Actor, ActorStopped, ActorSystem, ChildSpec, OneForAll, Supervisor, Task
from actorkit._outside_stop import FORCED_STOP_GRACE
from actorkit.testing import Probe, snapshot

from .invariants import TaskSnapshot, assert_settled
from .otp_conformance_support import Watcher
from .supervision_cut_support import BOUND, Hanging, _children, _cut_b, _hung
from .supervision_support import Worker


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


class Answers(Actor):
    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError("crashed")
        return message


class StopsItsSibling(Answers):
    """Its `on_stop` stops its sibling "a" for good and waits for that: the restart that
    stops it (before "a", in reverse start order) then comes to "a" closed already."""

    def __init__(self, refs: dict[str, Any]) -> None:
        self.refs = refs

    async def on_stop(self) -> None:
        await self.refs["a"].stop()


async def test_a_bounded_restart_passes_over_a_sibling_that_closed_meanwhile(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """No cut, nor its warning, for a child that closed while a sibling's stop was awaited:
    it did not run past the shutdown time, and the restart does not wait out a cut's grace."""
    refs: dict[str, Any] = {}
    caplog.set_level(logging.WARNING, logger="actorkit")
    async with asyncio.timeout(5), ActorSystem() as system:
        sup = await system.spawn(
            Supervisor,
            [
                ChildSpec(Answers, name="a"),
                ChildSpec(StopsItsSibling, refs, name="b"),
                ChildSpec(Answers, name="c"),
            ],
            OneForAll(shutdown=5.0),
        )
        refs["a"], b, c = await _children(system, sup, "a", "b", "c")
        c.tell("crash")
        async with asyncio.timeout(FORCED_STOP_GRACE / 2):
            assert await b.ask("restarted") == "restarted"
            assert await c.ask("restarted") == "restarted"
        assert not refs["a"].is_alive
        assert snapshot(b).restarts == 1
    assert [r.getMessage() for r in caplog.records if "shutdown time" in r.getMessage()] == []
