"""A fault of the runtime's raised by the receive loop outside every transition's guard (at
the start's end, in a self-stop's fast path) ends the actor as a failure, never as a task that
died while its cell stayed open: a stop of it, or of its parent, would wait for ever."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem
from actorkit._lifecycle import Lifecycle
from actorkit.testing import ManualClock

from .invariants import assert_settled
from .shutdown_support import BOUND


class Child(Actor):
    """Has an `on_start` (so a task from its spawn on) and stops itself on any message."""

    async def on_start(self) -> None:
        pass

    async def receive(self, message: Any) -> None:
        self.stop()


class Parent(Actor):
    """Spawns `c` and answers with its ref."""

    async def on_start(self) -> None:
        self.child = await self.spawn(Child, name="c")

    async def receive(self, message: Any) -> Any:
        return self.child


def fault_at(monkeypatch: pytest.MonkeyPatch, where: str) -> list[RuntimeError]:
    """One `RuntimeError` raised by `where` for `/p/c`, outside any guard of the loop's."""
    faults = [RuntimeError(f"runtime fault in {where}")]
    original = getattr(Lifecycle, where)

    def failing(self: Lifecycle) -> Any:
        if faults and self.path == "/p/c":
            raise faults.pop()
        return original(self)

    monkeypatch.setattr(Lifecycle, where, failing)
    return faults


@pytest.mark.parametrize("where", ["started", "exit_at_once"])
async def test_a_receive_loop_that_raises_fails_its_actor_and_its_stop_returns(
    where: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    faults = fault_at(monkeypatch, where)
    clock = ManualClock()
    async with asyncio.timeout(BOUND), ActorSystem(metrics=False, clock=clock) as system:
        parent = await system.spawn(Parent, name="p")
        child = await parent.ask("child")
        child.tell("stop yourself")
        await clock.settle()  # its self-stop carried out, or dead-lettered: it died first
        await child.stop()  # bounded: it waited for ever on a task that had died
        assert not faults and not child.is_alive
        await parent.stop()
        assert system.actor_count == 0 and system.failure is None
        await assert_settled(system)
    reports = [r for r in caplog.records if getattr(r, "actor_path", "") == "/p/c"]
    assert [r.directive for r in reports] == ["stop (it cannot go on)"]  # type: ignore[attr-defined]
    assert "never retrieved" not in caplog.text


async def test_a_loop_fault_whose_cleanup_fails_too_stays_in_the_task_and_is_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The cleanup after such a fault (children, then `on_stop`) raising in turn: the actor
    still closes once, with the first fault, and the second is logged, not let out of the
    task for asyncio to report as never retrieved."""
    faults = fault_at(monkeypatch, "started")
    cleanup = [RuntimeError("a fault in the cleanup")]
    stop_children = Lifecycle.stop_children

    async def failing(self: Lifecycle, *, drain: bool = False, within: float | None = None) -> None:
        if cleanup and self.path == "/p/c":
            raise cleanup.pop()
        await stop_children(self, drain=drain, within=within)

    monkeypatch.setattr(Lifecycle, "stop_children", failing)
    clock = ManualClock()
    async with asyncio.timeout(BOUND), ActorSystem(metrics=False, clock=clock) as system:
        parent = await system.spawn(Parent, name="p")
        child = await parent.ask("child")
        await clock.settle()
        assert not faults and not cleanup and not child.is_alive
        await parent.stop()
        await assert_settled(system)
    reports = [r for r in caplog.records if getattr(r, "actor_path", "") == "/p/c"]
    assert [r.directive for r in reports] == ["stop (it cannot go on)"]  # type: ignore[attr-defined]
    assert any("a fault in the cleanup" in r.getMessage() for r in caplog.records)
    assert "never retrieved" not in caplog.text
