"""A stop its supervisor sent (a "stop" directive, or an escalation, which stops the child
before failing the supervisor) whose own transition raises ends the actor for good, as a
stop from outside does (`tests/test_signal_failure_stop_not_restarted.py`): the failure
closes it ("stop (it cannot go on)") instead of going back to the supervisor, whose decider
would restart it for a fault it did not decide on."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, OneForOne
from actorkit._lifecycle import Lifecycle
from actorkit.testing import ManualClock

from .invariants import assert_settled
from .shutdown_support import BOUND


class Counted(Actor):
    """Counts its instances' starts and stops in `log`; "boom" fails its handler."""

    def __init__(self, log: list[str]) -> None:
        self.log = log
        log.append("start")

    async def receive(self, message: Any) -> Any:
        if message == "boom":
            raise ValueError("boom on purpose")
        return message

    async def on_stop(self) -> None:  # an `on_stop`: its supervisor's stop is a signal
        self.log.append("stop")


class Stops(Actor):
    """Stops a child whose handler raises `ValueError`; any other failure restarts it."""

    supervisor_strategy = OneForOne(decider={ValueError: "stop"})

    def __init__(self, log: list[str]) -> None:
        self.log = log

    async def receive(self, message: Any) -> Any:
        return await self.spawn(Counted, self.log, name="c")


class Escalates(Stops):
    supervisor_strategy = OneForOne(decider={ValueError: "escalate"})


@pytest.mark.parametrize(("supervisor", "directive"), [(Stops, "stop"), (Escalates, "escalate")])
async def test_a_supervisor_s_stop_whose_transition_raises_is_not_followed_by_a_restart(
    supervisor: type[Stops],
    directive: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    faults = [RuntimeError("a fault as the supervisor's stop begins")]
    stopping = Lifecycle.stopping

    def faulty(self: Lifecycle) -> None:
        if faults and self.path == "/p/c":
            raise faults.pop()
        stopping(self)

    monkeypatch.setattr(Lifecycle, "stopping", faulty)
    log: list[str] = []
    clock = ManualClock()
    async with asyncio.timeout(BOUND), ActorSystem(metrics=False, clock=clock) as system:
        parent = await system.spawn(supervisor, log, name="p")
        child = await parent.ask("spawn")
        child.tell("boom")
        await clock.settle()
        assert not faults
        assert not child.is_alive
        # Its `on_stop` ran once, and no instance of it came after (an escalation restarts
        # `/p`, whose new instance has spawned nothing yet).
        assert log == ["start", "stop"]
        assert system.lookup("/p/c") is None
        await assert_settled(system)
    reports = [r for r in caplog.records if getattr(r, "actor_path", "") == "/p/c"]
    assert [r.directive for r in reports] == [directive, "stop (it cannot go on)"]  # type: ignore[attr-defined]
    assert "a fault as the supervisor's stop begins" in reports[1].getMessage()
