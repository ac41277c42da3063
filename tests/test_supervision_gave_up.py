"""A supervisor that gave up is never resumed (OTP: one that reaches its restart intensity
terminates, always): it has stopped its children, and its restart history is full, so a
decider's "resume" restarts it instead, as a resume of an actor with no instance does."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, OneForOne, Supervisor, SupervisorGaveUp
from actorkit.testing import ManualClock, snapshot

from .supervision_support import specs


async def test_a_resume_of_a_supervisor_that_gave_up_restarts_it(
    clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    journal: list[str] = []

    class Top(Actor):
        supervisor_strategy = OneForOne(decider={SupervisorGaveUp: "resume"})

        async def on_start(self) -> None:
            strategy = OneForOne(max_restarts=1, within=10.0)
            await self.spawn(Supervisor, specs(journal, "w"), strategy, name="s")

        async def receive(self, message: Any) -> None:
            return None

    async with ActorSystem(clock=clock) as system:
        await system.spawn(Top, name="top")
        inner = system.lookup("/top/s")
        assert inner is not None
        for _ in range(2):  # a restart, then a failure past the intensity: it gives up
            worker = system.lookup("/top/s/w")
            assert worker is not None
            worker.tell("crash")
            await clock.settle()
        assert journal == ["start w", "stop w", "start w", "stop w", "start w"]
        assert snapshot(inner).restarts == 1  # restarted, its child started from its spec
        worker = system.lookup("/top/s/w")
        assert worker is not None
        journal.clear()
        worker.tell("crash")  # a clean restart history: restarted, not given up on
        await clock.settle()
        assert journal == ["stop w", "start w"]
        assert snapshot(inner).restarts == 1
    decided = [
        record.directive  # type: ignore[attr-defined]
        for record in caplog.records
        if record.levelno == logging.ERROR and isinstance(record.exc_info[1], SupervisorGaveUp)  # type: ignore[index]
    ]
    assert decided == [
        "restart (a supervisor that gave up is not resumed: it stopped its children)"
    ]
