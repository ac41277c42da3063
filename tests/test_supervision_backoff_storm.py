"""A restart storm under a backoff: the restarts waiting out their delay must not make each
new restart, or each stop of a waiting child, cost more. Counted, not timed: the plans a
restart or a stop looks at (`StartPlan.starts_anyone`) stay as many with 1,000 plans waiting
as with 100, where a scan of every waiting plan would make n restarts cost n²
(`benchmarks/restart_storm.py` times it)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, Backoff, OneForOne
from actorkit._restart_steps import StartPlan
from actorkit.testing import ManualClock


class Fragile(Actor):
    async def receive(self, message: Any) -> str:
        if message == "crash":
            raise RuntimeError("crashed on purpose")
        return "restarted"


class Storm(Actor):
    """Supervises `size` children whose every restart waits a minute: each failure leaves one
    more restart plan waiting."""

    supervisor_strategy = OneForOne(
        max_restarts=1_000_000, within=1.0, backoff=Backoff(min=60.0, max=60.0, jitter=0.0)
    )

    def __init__(self, size: int) -> None:
        self.size = size
        self.kids: list[Any] = []

    async def on_start(self) -> None:
        self.kids = [await self.spawn(Fragile) for _ in range(self.size)]

    async def receive(self, message: Any) -> Any:
        return list(self.kids) if message == "all" else None


@contextmanager
def looked_at(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many times the block asked a restart plan whether it starts anyone."""
    count = [0]
    original = StartPlan.starts_anyone

    def counting(plan: StartPlan) -> bool:
        count[0] += 1
        return original(plan)

    with monkeypatch.context() as patch:
        patch.setattr(StartPlan, "starts_anyone", counting)
        yield count


async def _crash(ref: Any) -> None:
    with pytest.raises(RuntimeError):
        await ref.ask("crash")


async def _looks(monkeypatch: pytest.MonkeyPatch, waiting: int) -> tuple[int, int]:
    """Plans looked at by one more restart, then by the stop of a child waiting out its
    backoff, with `waiting` restarts waiting out theirs."""
    clock = ManualClock()
    async with asyncio.timeout(60), ActorSystem(metrics=False, clock=clock) as system:
        storm = await system.spawn(Storm, waiting + 1)
        kids = await storm.ask("all")
        idle = clock.pending  # the system's own timers
        for kid in kids[:waiting]:
            await _crash(kid)
        await storm.ask("decided?")  # after the last report: every restart decided
        assert clock.pending == idle + waiting
        with looked_at(monkeypatch) as restart:
            await _crash(kids[waiting])
            await storm.ask("decided?")
        assert clock.pending == idle + waiting + 1
        with looked_at(monkeypatch) as stop:
            await kids[0].stop()
        assert clock.pending == idle + waiting  # its plan went, with its timer
        await clock.advance(60.0)
        assert await asyncio.gather(*(kid.ask("ping") for kid in kids[1:])) == ["restarted"] * (
            waiting
        )
        assert clock.pending == idle
    return restart[0], stop[0]


async def test_a_restart_and_a_stop_look_at_as_many_plans_whatever_waits(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.CRITICAL, logger="actorkit")  # a crash report per failure
    few = await _looks(monkeypatch, 100)
    many = await _looks(monkeypatch, 1_000)
    assert many == few, f"with 100 plans waiting {few}, with 1,000 {many} (restart, stop)"
    assert max(many) <= 1
