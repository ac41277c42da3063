"""`await ref.stop(timeout=...)`: the orderly stop, forced past the timeout as a shutdown's
is past its own, so a handler that never returns cannot hold its caller for ever."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorStopped, ActorSystem, Terminated
from actorkit.testing import FORCED_STOP_GRACE

from .shutdown_support import BOUND, SLACK


class Log(list[str]):
    """What the actors did, and an event per entry, to await instead of polling."""

    def __init__(self) -> None:
        super().__init__()
        self.grew = asyncio.Condition()

    async def add(self, entry: str) -> None:
        async with self.grew:
            self.append(entry)
            self.grew.notify_all()

    async def reaches(self, size: int) -> None:
        async with self.grew:
            await self.grew.wait_for(lambda: len(self) >= size)


class Stuck(Actor):
    """Its handler waits for an event nobody sets; its child, if told to have one, too."""

    def __init__(self, log: Log, nested: bool = False) -> None:
        self.log = log
        self.nested = nested

    async def on_start(self) -> None:
        if self.nested:
            await self.spawn(Stuck, self.log, name="inner")

    async def receive(self, message: Any) -> None:
        await self.log.add(f"{self.ref.path} got {message}")
        await asyncio.Event().wait()

    async def on_stop(self) -> None:
        await self.log.add(f"{self.ref.path} on_stop")


class Parent(Actor):
    """Supervises one permanent `Stuck` child and watches it."""

    def __init__(self, log: Log, ended: asyncio.Future[Terminated]) -> None:
        self.log = log
        self.ended = ended

    async def on_start(self) -> None:
        self.watch(await self.spawn(Stuck, self.log, name="child"))

    async def receive(self, message: Any) -> Any:
        if isinstance(message, Terminated):
            self.ended.set_result(message)
        return [ref.path for ref in self.children]


async def test_a_handler_that_never_returns_is_cut_off_past_the_timeout(
    caplog: pytest.LogCaptureFixture,
) -> None:
    log = Log()
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(BOUND), ActorSystem("bounded", metrics=False) as system:
        ref = await system.spawn(Stuck, log, name="stuck")
        ref.tell("first")
        await log.reaches(1)
        asked = asyncio.ensure_future(ref.ask("queued", timeout=BOUND))
        await asyncio.sleep(0)  # one turn: the ask is queued behind the stuck handler
        started = loop.time()
        await ref.stop(timeout=0.05)
        assert loop.time() - started < 0.05 + FORCED_STOP_GRACE + SLACK
        assert not ref.is_alive
        with pytest.raises(ActorStopped):
            await asked
        assert log == ["/stuck got first", "/stuck on_stop"]
        # the message cut off in its handler, and the ask that never began
        assert system.dead_letters.by_reason == {"stopping": 2}
    assert "stop of /stuck exceeded 0.05s; cancelled: /stuck" in caplog.text


async def test_the_forced_stop_reaches_the_children_and_no_supervisor_restarts() -> None:
    """A stop from outside is never followed by a restart, forced or not; the parent's
    watch reports it, and its children no longer list it."""
    log = Log()
    async with asyncio.timeout(BOUND), ActorSystem("tree", metrics=False) as system:
        ended: asyncio.Future[Terminated] = asyncio.get_running_loop().create_future()
        parent = await system.spawn(Parent, log, ended, name="parent")
        child = system.lookup("/parent/child")
        assert child is not None
        child.tell("hang")
        await log.reaches(1)
        await child.stop(timeout=0.0)
        terminated = await ended
        assert terminated.ref == child
        assert await parent.ask("children?") == []
        assert log == ["/parent/child got hang", "/parent/child on_stop"]
        assert parent.is_alive


async def test_the_whole_subtree_stops_and_each_on_stop_runs() -> None:
    log = Log()
    async with asyncio.timeout(BOUND), ActorSystem("nested", metrics=False) as system:
        outer = await system.spawn(Stuck, log, nested=True, name="outer")
        inner = system.lookup("/outer/inner")
        assert inner is not None
        inner.tell("hang")
        outer.tell("hang")
        await log.reaches(2)
        await outer.stop(timeout=0.05)
        assert not outer.is_alive and not inner.is_alive
        assert sorted(log[2:]) == ["/outer on_stop", "/outer/inner on_stop"]
        assert system.lookup("/outer/inner") is None


async def test_an_actor_that_stops_in_time_is_not_forced(
    caplog: pytest.LogCaptureFixture,
) -> None:
    log = Log()
    async with asyncio.timeout(BOUND), ActorSystem("orderly", metrics=False) as system:
        ref = await system.spawn(Stuck, log, name="idle")
        await ref.stop(timeout=BOUND)
        assert not ref.is_alive
        assert log == ["/idle on_stop"]
        await ref.stop(timeout=0.0)  # stopped already: nothing to force
    assert "exceeded" not in caplog.text


@pytest.mark.parametrize(
    ("timeout", "error"), [(-1.0, ValueError), ("1", TypeError), (True, TypeError)]
)
async def test_a_bad_stop_timeout_says_what_to_pass(timeout: Any, error: type) -> None:
    async with asyncio.timeout(BOUND), ActorSystem("bad", metrics=False) as system:
        ref = await system.spawn(Stuck, Log())
        with pytest.raises(error, match="stop timeout"):
            await ref.stop(timeout=timeout)
        assert ref.is_alive


async def test_a_pool_with_stuck_members_stops_within_its_timeout() -> None:
    log = Log()
    async with asyncio.timeout(BOUND), ActorSystem("pool", metrics=False) as system:
        pool = await system.spawn_pool(Stuck, log, size=2, name="workers")
        pool.tell("a")
        pool.tell("b")
        await log.reaches(2)
        asked = asyncio.ensure_future(pool.ask("c", timeout=BOUND))
        await asyncio.sleep(0)  # one turn: queued behind a stuck member
        await pool.stop(timeout=0.05)
        assert not pool.is_alive
        assert system.lookup("/workers") is None
        with pytest.raises(ActorStopped):
            await asked
        assert sum(entry.endswith("on_stop") for entry in log) == 2
