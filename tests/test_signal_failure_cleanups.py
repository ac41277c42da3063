"""The cleanup after a failed signal (`signal_failed`): when it fails too, the actor closes once
with nothing left running below it; when a forced shutdown cancels it, the failure is reported
once and the task ends cancelled."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import ActorSystem, NotDelivered
from actorkit.testing import ManualClock

from .actors_support import HoldsTheCleanup
from .invariants import assert_settled
from .shutdown_support import BOUND
from .signal_failure_support import Holds, Parent, fault_in_stop_children


class HeldParent(Parent):
    """A `Parent` that holds its first message until `gate` opens: what is sent meanwhile
    stays queued behind it, and a stop waits for it."""

    def __init__(self, stops: list[str], gate: asyncio.Event) -> None:
        super().__init__(stops)
        self.gate = gate

    async def receive(self, message: Any) -> Any:
        await self.gate.wait()
        return message


async def test_a_failed_signal_whose_cleanup_fails_too_closes_its_actor_with_nothing_below(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A stop whose transition raises, and whose cleanup (`signal_failed`) raises again before
    its children stopped: the actor closes once, with the first failure (logged once, the
    second fault too), its queue is dead-lettered and its askers answered, and the children
    its cleanup could not stop are stopped by force rather than outlive it (a shutdown then
    found them still running, and cancelled them saying it exceeded its timeout)."""
    faults: list[BaseException] = [
        RuntimeError("a fault in the cleanup"),
        RuntimeError("a fault in the stop"),
    ]
    fault_in_stop_children(monkeypatch, faults)
    stops: list[str] = []
    gate = asyncio.Event()
    clock = ManualClock()
    async with asyncio.timeout(BOUND), ActorSystem(metrics=False, clock=clock) as system:
        parent = await system.spawn(HeldParent, stops, gate, name="p")
        child = system.lookup("/p/c")
        assert child is not None
        holding = asyncio.ensure_future(parent.ask("held"))
        await clock.settle()
        parent.tell("queued")
        asking = asyncio.ensure_future(parent.ask("asked"))
        stopping = asyncio.ensure_future(parent.stop())
        await clock.settle()
        gate.set()
        assert await holding == "held"
        await stopping
        assert not faults and not parent.is_alive
        assert not child.is_alive  # closed with its parent, not left running under it
        with pytest.raises(NotDelivered):
            await asking
        assert system.dead_letters.by_reason == {"stopping": 2}
        assert system.actor_count == 0 and system.failure is None
        await clock.settle()
        assert sorted(stops) == ["/p", "/p/c"]  # each `on_stop` once
        await assert_settled(system)
    reports = [r for r in caplog.records if getattr(r, "actor_path", "") == "/p"]
    assert [r.directive for r in reports] == ["stop (it cannot go on)"]  # type: ignore[attr-defined]
    assert "a fault in the stop" in reports[0].getMessage()
    assert any("a fault in the cleanup" in r.getMessage() for r in caplog.records)
    assert "exceeded" not in caplog.text and "never retrieved" not in caplog.text


class HoldingParent(Holds):
    """A `Parent` whose child's `on_stop` never returns: its own stop's cleanup waits on it."""

    def __init__(self, stops: list[str], stopping: asyncio.Event) -> None:
        super().__init__(stops)
        self.stopping = stopping

    async def on_start(self) -> None:
        await self.spawn(HoldsTheCleanup, self.stopping, asyncio.Event(), self.stops, name="c")


async def test_a_failed_signal_whose_cleanup_a_forced_shutdown_cancels_is_reported_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The cleanup after a failed stop waits on a child's `on_stop` that never returns, until
    a shutdown's timeout forces it: the shutdown keeps to its bound, the actor closes once (by
    the forced stop), its failure is logged once, its `on_stop` runs as it unwinds, and its
    task ends cancelled, not with an error nobody retrieves."""
    faults: list[BaseException] = [RuntimeError("a fault in the stop")]
    fault_in_stop_children(monkeypatch, faults)
    stops: list[str] = []
    stopping = asyncio.Event()
    async with asyncio.timeout(BOUND), ActorSystem(metrics=False, clock=ManualClock()) as system:
        parent = await system.spawn(HoldingParent, stops, stopping, name="p")
        stopped = asyncio.ensure_future(parent.stop())
        await stopping.wait()  # the failed stop's cleanup waits on `/p/c`'s `on_stop`
        await system.shutdown(timeout=0.1)
        await stopped
        assert not faults and not parent.is_alive and system.actor_count == 0
        assert stops == ["/p"] and system.failure is None  # `/p/c`'s was cut short
    reports = [r for r in caplog.records if getattr(r, "actor_path", "") == "/p"]
    assert [r.directive for r in reports] == ["stop (it cannot go on)"]  # type: ignore[attr-defined]
    assert "never retrieved" not in caplog.text and "failed too" not in caplog.text
