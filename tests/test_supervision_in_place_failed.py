"""The failed child's own restart, in place where nothing of it runs in its task
(`_restart_steps.failed_and_parked`): parked after its failure, with no children and no
`on_stop`, its instance ends without a round trip into its task, under any strategy; the
start goes through its task only for an `on_start`. Nothing observed changes: what was queued
behind the failure is handled by the new instance, in order, restarts and failures are
counted once, the intensity gives up where it did, and an `on_start` that fails leaves a
child whose next restart is in place too (API 3, 9; a backoff: `test_supervision_in_place`)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import (
    Actor,
    ActorRef,
    ActorStopped,
    ActorSystem,
    ChildSpec,
    OneForOne,
    Supervisor,
    Terminated,
)
from actorkit._cell import Cell
from actorkit._signals import Signal
from actorkit.testing import ManualClock, Probe, snapshot

from .metrics_truth_support import sample, scraped
from .otp_conformance_support import Watcher
from .test_supervision_in_place import Bare, Both, Starts, Stops, spec

BOUND = 10.0


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return round_trips(monkeypatch)


def round_trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The round trips into a child's task: each `Cell.call`, as "child signal"."""
    called: list[str] = []
    call = Cell.call

    async def counting(cell: Cell, signal: Signal) -> None:
        called.append(f"{cell.name} {type(signal).__name__}")
        await call(cell, signal)

    monkeypatch.setattr(Cell, "call", counting)
    return called


async def alone(system: ActorSystem, *children: ChildSpec, **options: Any) -> list[ActorRef]:
    strategy = OneForOne(max_restarts=options.pop("max_restarts", 100), within=1.0, **options)
    await system.spawn(Supervisor, list(children), strategy, name="sup")
    refs = [system.lookup(f"/sup/{child.name}") for child in children]
    assert all(refs)
    return [ref for ref in refs if ref is not None]


async def test_the_failed_child_restarts_without_a_round_trip(calls: list[str]) -> None:
    """What was queued behind the failure is the new instance's, in order."""
    journal: list[str] = []
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        a, b = await alone(system, spec(Bare, journal, "a"), spec(Bare, journal, "b"))
        assert await a.ask("x") == 1
        a.tell("crash")
        a.tell("y")
        assert await a.ask("x") == 2
        assert calls == []
        assert (snapshot(a).restarts, snapshot(a).failures, snapshot(b).restarts) == (1, 1, 0)
        assert sample(scraped(system), "actorkit_actor_restarts_total", actor_type="Bare") == 1
    assert journal == ["new a", "new b", "new a"]


async def test_queued_failures_restart_it_once_each(calls: list[str]) -> None:
    """Failures queued behind each other (a restart storm's): each restart is decided and
    counted once, the last instance answers."""
    journal: list[str] = []
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        (a,) = await alone(system, spec(Bare, journal, "a"))
        for _ in range(5):
            a.tell("crash")
        assert await a.ask("x") == 1
        assert calls == []
        assert (snapshot(a).restarts, snapshot(a).failures) == (5, 5)
    assert journal == ["new a"] * 6


@pytest.mark.parametrize(
    ("kind", "round_trips", "hooks"),
    [
        (Starts, ["a StartInstance"], ["new a", "start a | b:running"]),
        (Stops, ["a StopInstance", "a StartInstance"], ["stop a | b:running", "new a"]),
        (
            Both,
            ["a StopInstance", "a StartInstance"],
            ["stop a | b:running", "new a", "start a | b:running"],
        ),
    ],
    ids=["on_start", "on_stop", "both"],
)
async def test_only_a_hook_takes_a_round_trip_into_its_task(
    calls: list[str], kind: type[Actor], round_trips: list[str], hooks: list[str]
) -> None:
    """An `on_start` runs in its task after a stop in place; an `on_stop` in its task too."""
    journal: list[str] = []
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        a, _ = await alone(system, spec(kind, journal, "a"), spec(Bare, journal, "b"))
        journal.clear()
        a.tell("crash")
        assert await a.ask("x") == 1
        assert calls == round_trips
        assert journal == hooks


class Crashing(Supervisor):
    """A supervisor that fails on "crash", with its children."""

    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError("mid crashed")
        return message


async def test_a_failed_supervisor_with_children_keeps_the_round_trip(
    calls: list[str], clock: ManualClock
) -> None:
    """Its children stop first, in its task (OTP): b's `on_stop` journals."""
    journal: list[str] = []
    inner = [spec(Stops, journal, "b")]
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock) as system:
        await system.spawn(Supervisor, [ChildSpec(Crashing, inner, name="mid")], name="sup")
        mid = system.lookup("/sup/mid")
        assert mid is not None
        mid.tell("crash")
        await clock.settle()
        assert await system.ask("/sup/mid/b", "x") == 1
        assert calls == ["mid StopInstance", "b Stop", "mid StartInstance"]
    assert journal[:3] == ["new b", "stop b | mid:restarting", "new b"]


async def test_the_intensity_gives_up_where_it_did(calls: list[str], clock: ManualClock) -> None:
    """Three failures queued, two restarts allowed: the third gives up, and the supervisor's
    own supervisor restarts it (and so its child) once."""
    journal: list[str] = []
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock) as system:
        (a,) = await alone(system, spec(Bare, journal, "a"), max_restarts=2)
        for _ in range(3):
            a.tell("crash")
        await clock.settle()
        sup = system.lookup("/sup")
        assert sup is not None
        assert await system.ask("/sup/a", "x") == 1
        assert (snapshot(sup).failures, snapshot(sup).restarts) == (1, 1)
        assert a.is_alive is False
        assert [call for call in calls if call.startswith("a ")] == []
    assert journal == ["new a"] * 4


class Refuses(Starts):
    """Its `on_start` fails while `refusals` holds any."""

    def __init__(self, journal: list[str], label: str, refusals: list[int]) -> None:
        super().__init__(journal, label)
        self.refusals = refusals

    async def on_start(self) -> None:
        if self.refusals:
            self.refusals.pop()
            raise RuntimeError(f"{self.label} cannot start")
        await super().on_start()


async def test_after_a_failed_on_start_the_next_restart_stops_in_place(
    calls: list[str],
) -> None:
    """The failed `on_start` left no instance, and its task parked: no `on_stop` is due."""
    journal: list[str] = []
    refusals: list[int] = []
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        a, _ = await alone(
            system, ChildSpec(Refuses, journal, "a", refusals, name="a"), spec(Bare, journal, "b")
        )
        refusals.append(1)
        journal.clear()
        a.tell("crash")
        assert await a.ask("x") == 1
        assert calls == ["a StartInstance", "a StartInstance"]
        assert (snapshot(a).restarts, snapshot(a).failures) == (1, 2)
    assert journal == ["new a", "new a", "start a | b:running"]


async def test_an_escalation_stops_each_emptied_supervisor_in_place(
    calls: list[str], clock: ManualClock
) -> None:
    """m2 escalates a's failure, having stopped a in place, and m1 m2's, stopped in place
    too: emptied by its escalation, m1 is restarted by sup with its stop in place, and the
    tree starts again through each supervisor's `on_start`, the one round trip left."""
    journal: list[str] = []
    escalate = OneForOne(decider=lambda _: "escalate")
    leaf = [spec(Bare, journal, "a")]
    middle = [ChildSpec(Supervisor, leaf, escalate, name="m2")]
    top = [ChildSpec(Supervisor, middle, escalate, name="m1")]
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock) as system:
        await system.spawn(Supervisor, top, OneForOne(), name="sup")
        a = system.lookup("/sup/m1/m2/a")
        assert a is not None
        a.tell("crash")
        await clock.settle()
        assert await system.ask("/sup/m1/m2/a", "x") == 1
        assert calls == ["m1 StartInstance"]
        m1 = system.lookup("/sup/m1")
        assert m1 is not None
        assert (snapshot(m1).restarts, snapshot(m1).failures) == (1, 1)
    assert journal == ["new a", "new a"]


async def test_a_stop_decision_closes_it_in_place_as_its_task_would(
    calls: list[str], clock: ManualClock
) -> None:
    """Stopped for good on a "stop" decision: what was queued behind the failure is a dead
    letter, its asker answered, its watcher told the failure, its name free."""
    journal: list[str] = []
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        watcher = await system.spawn(Watcher, probe.ref)
        (a,) = await alone(system, spec(Bare, journal, "a"), decider={RuntimeError: "stop"})
        await watcher.ask(a)
        # Each put ahead of its task's first step: both queued as it handles the first.
        crashed = asyncio.ensure_future(a.ask("crash"))
        asked = asyncio.ensure_future(a.ask("x"))
        with pytest.raises(RuntimeError, match="a crashed"):
            await crashed
        with pytest.raises(ActorStopped):
            await asked
        ended = await probe.expect(Terminated)
        assert (ended.ref, type(ended.reason)) == (a, RuntimeError)
        assert system.dead_letters.by_reason == {"stopping": 1}
        assert system.lookup("/sup/a") is None
        assert calls == []
