"""A failed or cancelled start leaves nothing half-started behind (issue 13)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, ChildSpec, Supervisor
from actorkit.testing import ManualClock


class HalfBuilt(Actor):
    def __init__(self) -> None:
        self.subscribe("news.>")
        self.timers.start_every("tick", "tick", 1.0)
        raise ValueError("factory failed after subscribing")


async def test_a_factory_that_raises_leaves_no_subscription_and_no_timer_behind() -> None:
    clock = ManualClock()
    async with ActorSystem(metrics=False, clock=clock) as system:
        with pytest.raises(ValueError, match="after subscribing"):
            await system.spawn(HalfBuilt)
        assert system.publish("news.today", "hello") == 0
        assert system.dead_letters.by_reason == {"no_subscribers": 1}
        await clock.advance(5.0)  # the timer was cancelled: no tick reaches anyone
        assert system.dead_letters.count == 1
        assert system.accounting().balanced


stopped: list[str] = []


class Recorded(Actor):
    async def on_stop(self) -> None:
        stopped.append(self.path)

    async def receive(self, message: Any) -> Any:
        return message


class FailsAfterSpawning(Actor):
    async def on_start(self) -> None:
        await self.spawn(Recorded, name="a")
        await self.spawn(Recorded, name="b")
        raise RuntimeError("on_start failed after spawning")


class FailsToStart(Actor):
    async def on_start(self) -> None:
        raise RuntimeError("this member cannot start")


async def test_children_of_a_failed_on_start_are_stopped() -> None:
    stopped.clear()
    async with ActorSystem(metrics=False) as system:
        with pytest.raises(RuntimeError, match="after spawning"):
            await system.spawn(FailsAfterSpawning, name="p")
        assert system.lookup("/p/a") is None and system.lookup("/p/b") is None
        assert sorted(stopped) == ["/p/a", "/p/b"]
        assert system.actor_count == 0


async def test_a_supervisor_whose_second_child_fails_to_start_starts_nothing() -> None:
    stopped.clear()
    async with ActorSystem(metrics=False) as system:
        children = [ChildSpec(Recorded, name="first"), ChildSpec(FailsToStart, name="second")]
        with pytest.raises(RuntimeError, match="cannot start"):
            await system.spawn(Supervisor, children=children, name="sup")
        assert stopped == ["/sup/first"]
        assert system.actor_count == 0


class SecondMemberFails(Actor):
    async def on_start(self) -> None:
        if self.name == "1":
            raise RuntimeError("member 1 cannot start")
        await asyncio.sleep(0)

    async def on_stop(self) -> None:
        stopped.append(self.path)


async def test_a_pool_whose_later_member_fails_to_start_starts_nothing() -> None:
    stopped.clear()
    async with ActorSystem(metrics=False) as system:
        with pytest.raises(RuntimeError, match="member 1"):
            await system.spawn_pool(SecondMemberFails, size=3, name="pool")
        assert stopped == ["/pool/0"]
        assert system.actor_count == 0


class SlowStart(Actor):
    started: asyncio.Event
    release: asyncio.Event

    async def on_start(self) -> None:
        SlowStart.started.set()
        await SlowStart.release.wait()

    async def on_stop(self) -> None:
        stopped.append(self.path)


async def test_a_cancelled_spawn_leaves_no_ghost_and_frees_the_name() -> None:
    stopped.clear()
    SlowStart.started, SlowStart.release = asyncio.Event(), asyncio.Event()
    async with ActorSystem(metrics=False) as system:
        spawning = asyncio.create_task(system.spawn(SlowStart, name="slow"))
        await SlowStart.started.wait()
        spawning.cancel()
        with pytest.raises(asyncio.CancelledError):
            await spawning
        assert system.lookup("/slow") is None
        SlowStart.release.set()  # the retry starts at once
        ref = await system.spawn(SlowStart, name="slow")
        assert ref.is_alive and system.actor_count == 1
    assert stopped == ["/slow"]  # the cancelled one never finished on_start: no on_stop
