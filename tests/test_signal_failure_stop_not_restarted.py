"""A stop whose own transition raises (a runtime fault) still ends the actor for good when
nobody is left to decide on it: API.md §9 says a stop from outside is never followed by a
restart, and a supervisor's stop (a "stop" directive, or an escalation, which stops the child
before failing the supervisor) is its decision already. The failure closes the actor ("stop
(it cannot go on)") instead of going to its supervisor, whose decider would restart it for
a fault it did not decide on."""

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

    async def on_stop(self) -> None:  # an `on_stop`: a stop of it is a signal
        self.log.append("stop")


class Parent(Actor):
    """Spawns `/p/c` with the restart type it is asked for."""

    def __init__(self, log: list[str]) -> None:
        self.log = log

    async def receive(self, message: Any) -> Any:
        return await self.spawn(Counted, self.log, name="c", restart=message)


class Stops(Parent):
    """Stops a child whose handler raises `ValueError`; any other failure restarts it."""

    supervisor_strategy = OneForOne(decider={ValueError: "stop"})


class Escalates(Parent):
    supervisor_strategy = OneForOne(decider={ValueError: "escalate"})


def fault_as_the_stop_begins(monkeypatch: pytest.MonkeyPatch, fault: str) -> list[Exception]:
    """The first stop of `/p/c` raises `fault` before anything of it is done; the list is
    emptied once it struck."""
    faults: list[Exception] = [RuntimeError(fault)]
    stopping = Lifecycle.stopping

    def faulty(self: Lifecycle) -> None:
        if faults and self.path == "/p/c":
            raise faults.pop()
        stopping(self)

    monkeypatch.setattr(Lifecycle, "stopping", faulty)
    return faults


def reports_of_the_child(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str]]:
    """Each failure report of `/p/c`: its directive and its message."""
    return [
        (record.directive, record.getMessage())  # type: ignore[attr-defined]
        for record in caplog.records
        if getattr(record, "actor_path", "") == "/p/c"
    ]


@pytest.mark.parametrize("restart", ["permanent", "transient"])
async def test_a_stop_whose_transition_raises_is_not_followed_by_a_restart(
    restart: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    faults = fault_as_the_stop_begins(monkeypatch, "a fault as the stop begins")
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
    [(directive, text)] = reports_of_the_child(caplog)
    assert directive == "stop (it cannot go on)"
    assert "a fault as the stop begins" in text


@pytest.mark.parametrize(("supervisor", "directive"), [(Stops, "stop"), (Escalates, "escalate")])
async def test_a_supervisor_s_stop_whose_transition_raises_is_not_followed_by_a_restart(
    supervisor: type[Parent],
    directive: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    faults = fault_as_the_stop_begins(monkeypatch, "a fault as the supervisor's stop begins")
    log: list[str] = []
    clock = ManualClock()
    async with asyncio.timeout(BOUND), ActorSystem(metrics=False, clock=clock) as system:
        parent = await system.spawn(supervisor, log, name="p")
        child = await parent.ask("permanent")
        child.tell("boom")
        await clock.settle()
        assert not faults
        assert not child.is_alive
        # Its `on_stop` ran once, and no instance of it came after (an escalation restarts
        # `/p`, whose new instance has spawned nothing yet).
        assert log == ["start", "stop"]
        assert system.lookup("/p/c") is None
        await assert_settled(system)
    reports = reports_of_the_child(caplog)
    assert [said for said, _ in reports] == [directive, "stop (it cannot go on)"]
    assert "a fault as the supervisor's stop begins" in reports[1][1]
