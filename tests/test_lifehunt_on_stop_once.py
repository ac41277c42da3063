"""`on_stop` runs once per instance on every kind of stop (API §9), also when `on_stop` itself
awaits, raises, stops the actor again, tells itself or tries to spawn: each instance counts
its own runs, and the tests compare the counts with the instances that finished `on_start`."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from typing import Any

import pytest

from actorkit import Actor, ActorStopped, ActorSystem, OneForOne

BOUND = 5.0
SERIALS = itertools.count()
RUNS: Counter[int] = Counter()
SPAWNED: list[int] = []
MODES = ["plain", "awaits", "raises", "stops_again", "tells_itself", "spawns"]


class Counted(Actor):
    """Counts its `on_stop` runs under a serial of its own (`id()` is reused after a GC)."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.serial = next(SERIALS)

    async def receive(self, message: Any) -> Any:
        if message == "stop yourself":
            self.stop()
        elif message == "fail":
            raise ValueError("failed on purpose")
        return message

    async def on_stop(self) -> None:
        RUNS[self.serial] += 1
        if self.mode == "awaits":
            await asyncio.sleep(0)
        elif self.mode == "raises":
            raise RuntimeError("on_stop failed on purpose")
        elif self.mode == "stops_again":
            self.stop()
            self.stop()
        elif self.mode == "tells_itself":
            self.ref.tell("too late")
        elif self.mode == "spawns":
            try:
                await self.spawn(Counted, "plain")
            except ActorStopped:
                return
            SPAWNED.append(self.serial)  # a child that would outlive its parent's instance


class Parent(Actor):
    def __init__(self, mode: str) -> None:
        self.mode = mode

    async def on_start(self) -> None:
        for name in ("a", "b", "c"):
            await self.spawn(Counted, self.mode, name=name)

    async def receive(self, message: Any) -> Any:
        return self.children


class GivesUp(Actor):
    """Allows one restart of its child: the second failure makes it give up."""

    supervisor_strategy = OneForOne(max_restarts=1, within=60)

    def __init__(self, mode: str) -> None:
        self.mode = mode

    async def on_start(self) -> None:
        await self.spawn(Counted, self.mode, name="child")

    async def receive(self, message: Any) -> Any:
        return self.children[0]


@pytest.fixture(autouse=True)
def fresh_counts() -> None:
    RUNS.clear()
    SPAWNED.clear()


def runs() -> list[int]:
    assert SPAWNED == []
    return sorted(RUNS.values())


@pytest.mark.parametrize("mode", MODES)
async def test_ref_stop_twice_runs_it_once(mode: str) -> None:
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        ref = await system.spawn(Counted, mode)
        await asyncio.gather(ref.stop(), ref.stop())
        await ref.stop()
        assert not ref.is_alive
    assert runs() == [1]


@pytest.mark.parametrize("mode", MODES)
async def test_a_transient_self_stop_runs_it_once(mode: str) -> None:
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        ref = await system.spawn(Counted, mode, restart="transient")
        await ref.ask("stop yourself")
        with pytest.raises(ActorStopped):
            await ref.ask("anyone there?")
    assert runs() == [1]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("ending", ["stop yourself", "fail"])
async def test_a_restart_runs_it_once_per_instance(mode: str, ending: str) -> None:
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        ref = await system.spawn(Counted, mode)
        if ending == "fail":
            with pytest.raises(ValueError):
                await ref.ask(ending)
        else:
            await ref.ask(ending)
        assert await ref.ask("again") == "again"
    assert runs() == [1, 1]


@pytest.mark.parametrize("mode", MODES)
async def test_a_parent_stop_and_a_shutdown_run_it_once_each(mode: str) -> None:
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        stopped = await system.spawn(Parent, mode)
        await system.spawn(Parent, mode)
        await stopped.stop()
        assert runs() == [1, 1, 1]
    assert runs() == [1] * 6


@pytest.mark.parametrize("mode", MODES)
async def test_a_give_up_runs_it_once_per_instance(mode: str) -> None:
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        supervisor = await system.spawn(GivesUp, mode)
        child = await supervisor.ask("child")
        for _ in range(2):
            with pytest.raises(ValueError):
                await child.ask("fail")
        while await supervisor.ask("child") == child:  # answered once it was restarted
            pass
    assert runs() == [1, 1, 1]  # the child's two instances, then the restarted one's
