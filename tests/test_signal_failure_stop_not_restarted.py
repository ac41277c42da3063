"""A stop from outside whose own transition raises (a runtime fault) still ends the actor
for good: API.md §9 says such a stop is never followed by a restart, so the failure closes
the actor ("stop (it cannot go on)") instead of going to its supervisor to be decided."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem
from actorkit._lifecycle import Lifecycle
from actorkit.testing import ManualClock

from .invariants import assert_settled
from .shutdown_support import BOUND


class Counted(Actor):
    """Counts its instances' starts and stops in `log`."""

    def __init__(self, log: list[str]) -> None:
        self.log = log
        log.append("start")

    async def receive(self, message: Any) -> Any:
        return message

    async def on_stop(self) -> None:
        self.log.append("stop")


class Parent(Actor):
    def __init__(self, log: list[str]) -> None:
        self.log = log

    async def receive(self, message: Any) -> Any:
        return await self.spawn(Counted, self.log, name="c", restart=message)


@pytest.mark.parametrize("restart", ["permanent", "transient"])
async def test_a_stop_whose_transition_raises_is_not_followed_by_a_restart(
    restart: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    faults = [RuntimeError("a fault as the stop begins")]
    stopping = Lifecycle.stopping

    def faulty(self: Lifecycle) -> None:
        if faults and self.path == "/p/c":
            raise faults.pop()
        stopping(self)

    monkeypatch.setattr(Lifecycle, "stopping", faulty)
    log: list[str] = []
    clock = ManualClock()
    async with asyncio.timeout(BOUND), ActorSystem(metrics=False, clock=clock) as system:
        parent = await system.spawn(Parent, log, name="p")
        child = await parent.ask(restart)
        await child.stop()
        await clock.settle()
        assert not faults
        assert not child.is_alive and system.lookup("/p/c") is None
        assert log == ["start", "stop"]  # its `on_stop` ran once, and no instance came after
        assert parent.is_alive and await parent.ask("transient") != child  # the name is free
        await assert_settled(system)
    reports = [r for r in caplog.records if getattr(r, "actor_path", "") == "/p/c"]
    assert [r.directive for r in reports] == ["stop (it cannot go on)"]  # type: ignore[attr-defined]
    assert "a fault as the stop begins" in reports[0].getMessage()
