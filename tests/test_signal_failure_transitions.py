"""A control signal whose transition raises (a runtime fault, a `supervisor_strategy` that
`__init__` set to no strategy) ends the actor as a failure, never as a task that died while
its cell stayed registered: its children stop, its `on_stop` runs, its parent decides (at the
root, the system fails). A failing `on_stop` there is no such fault: it is logged and the stop
goes on (`test_callbacks`)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, OneForOne, SystemFailed
from actorkit._supervision import _Strategy
from actorkit.testing import ManualClock

from .invariants import assert_settled


class Quits(Actor):
    """Stops itself: a normal exit its (permanent) supervisor decides on."""

    def __init__(self, stops: list[str]) -> None:
        self.stops = stops

    async def receive(self, message: Any) -> None:
        self.stop()

    async def on_stop(self) -> None:
        self.stops.append("child")


class BadlyConfigured(Actor):
    """Sets the class where an instance belongs: checked only at its first child's exit."""

    def __init__(self, starts: list[int], stops: list[str]) -> None:
        self.supervisor_strategy = OneForOne  # type: ignore[assignment]
        starts.append(len(starts))
        self.stops = stops

    async def receive(self, message: Any) -> Any:
        if message == "spawn":
            return await self.spawn(Quits, self.stops, name="c")
        return "pong"

    async def on_stop(self) -> None:
        self.stops.append("parent")


async def test_a_strategy_set_in_init_that_is_no_strategy_fails_its_actor(
    caplog: pytest.LogCaptureFixture,
) -> None:
    starts: list[int] = []
    stops: list[str] = []
    async with asyncio.timeout(10), ActorSystem(metrics=False) as system:
        parent = await system.spawn(BadlyConfigured, starts, stops, name="p")
        child = await parent.ask("spawn")
        child.tell("exit")
        assert await parent.ask("ping") == "pong"  # answered by the restarted instance
        assert starts == [0, 1] and stops == ["child", "parent"]  # children first
        assert not child.is_alive and parent.is_alive
        await assert_settled(system)
    assert any(
        "supervisor_strategy of /p must be a strategy" in record.getMessage()
        and "write OneForOne()" in record.getMessage()
        for record in caplog.records
    )


class Fails(Actor):
    async def receive(self, message: Any) -> None:
        raise ValueError("to be decided on")


async def test_a_failing_transition_of_the_root_fails_the_system(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(self: _Strategy, children: Any, failed: Any) -> Any:
        raise RuntimeError("a fault in a restart")

    monkeypatch.setattr(_Strategy, "affected", broken)
    clock = ManualClock()
    with pytest.raises(SystemFailed) as info:
        async with asyncio.timeout(5), ActorSystem(metrics=False, clock=clock) as system:
            ref = await system.spawn(Fails)
            ref.tell("go")
            await clock.settle()
            assert not ref.is_alive  # stopped by the root before it closed
            assert isinstance(system.failure, RuntimeError)
    assert isinstance(info.value.__cause__, RuntimeError)
    assert system.actor_count == 0
