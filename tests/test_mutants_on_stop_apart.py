"""The forced stop's wait for the `on_stop`s run apart (`_outside_stop.unwound`), beyond
`test_forced_stop_waits_for_on_stop_apart`: the report of one past the grace is made by the
stop's return, names only those still running, and a stop waits for its own actors'
`on_stop`s, every one of them, and no other actor's. Mutants that dropped the report (the
`on_stop`'s own cut, logged later, stood in for it), listed every `on_stop` run apart, read
only the first actor's, or waited for another stop's survived the behaviour tests."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from actorkit import Actor, ActorRef, ActorSystem

from .shutdown_support import BOUND
from .test_forced_stop_waits_for_on_stop_apart import gated

GRACE = 0.1
ROOMY = 0.5
"""Seconds of grace where an `on_stop` of a few loop turns must end within it: beyond any
stall of a loaded machine, which at `GRACE` would have it reported as still running."""


def roomy_grace(monkeypatch: pytest.MonkeyPatch) -> None:
    from actorkit import _outside_stop

    monkeypatch.setattr(_outside_stop, "FORCED_STOP_GRACE", ROOMY)


class Unwinds(Actor):
    """No `on_start`, so that `gated` holds its task before its first step. Its `on_stop`
    takes `turns` loop turns, or never ends (None)."""

    def __init__(self, stopped: list[str], turns: int | None) -> None:
        self.stopped = stopped
        self.turns = turns

    async def receive(self, message: Any) -> None:
        pass

    async def on_stop(self) -> None:
        if self.turns is None:
            await asyncio.Event().wait()
        for _ in range(self.turns or 0):
            await asyncio.sleep(0)
        self.stopped.append(self.path)


class Parent(Actor):
    """Spawns the children it is told of: held back by `gated` while it is on."""

    async def receive(self, message: tuple[list[str], list[tuple[str, int | None]]]) -> None:
        stopped, children = message
        for name, turns in children:
            await self.spawn(Unwinds, stopped, turns, name=name)


def on_uvloop() -> bool:
    return "uvloop" in type(asyncio.get_running_loop()).__module__


@pytest.fixture(autouse=True)
def short_grace(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    from actorkit import _outside_stop

    monkeypatch.setattr(_outside_stop, "FORCED_STOP_GRACE", GRACE)
    caplog.set_level(logging.WARNING, logger="actorkit")


async def stopped_parent(
    children: list[tuple[str, int | None]], caplog: pytest.LogCaptureFixture
) -> tuple[list[str], str]:
    """`/p` with `children` held back, stopped past 0.05 s: the `on_stop`s run by the
    stop's return, and what was logged by then."""
    stopped: list[str] = []
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        parent = await system.spawn(Parent, name="p")
        await parent.ask((stopped, []))  # its task made before the gate: it runs
        with gated() as on:
            await parent.ask((stopped, children))
            on[0] = False
        await parent.stop(timeout=0.05)
        return sorted(stopped), caplog.text


async def stopped_held(caplog: pytest.LogCaptureFixture) -> str:
    """`/held`, whose `on_stop` never ends, stopped past 0.05 s: what was logged by the stop's
    return."""
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        with gated() as on:
            held = await system.spawn(Unwinds, [], None, name="held")
            on[0] = False
        await held.stop(timeout=0.05)
        return caplog.text


async def test_the_stop_waits_for_every_one_of_its_actors_on_stops(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    roomy_grace(monkeypatch)
    stopped, _ = await stopped_parent([("a", 1), ("b", 50)], caplog)
    assert stopped == ["/p/a", "/p/b"]


async def test_the_report_names_only_the_on_stops_still_running(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    roomy_grace(monkeypatch)
    stopped, logged = await stopped_parent([("a", None), ("b", 20)], caplog)
    assert stopped == ["/p/b"]
    reports = [line for line in logged.splitlines() if "abandoned the on_stop of" in line]
    assert all(
        line.endswith("stop of /p abandoned the on_stop of /p/a past the grace") for line in reports
    )
    assert len(reports) == 1


async def test_an_on_stop_past_the_grace_is_reported_by_the_stop_s_return(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The stop's deadline comes before the `on_stop`'s own cut, on uvloop too, whose
    millisecond clock may end both in one turn: the stop's timer was armed first."""
    logged = await stopped_held(caplog)
    assert "stop of /held abandoned the on_stop of /held past the grace" in logged


GRACES = (0.002, 0.027, 0.03, 0.043, 0.035)
"""Seconds. Whether a clock reading plus a grace comes out a float's error above a whole
millisecond depends on the reading's size (the machine's uptime) as much as on the grace;
six stops at each of these catch it at any uptime from a minute to a year, nineteen times
in twenty or more (computed over readings of 10^5 to 5 * 10^10 milliseconds)."""


async def test_the_report_comes_first_whatever_millisecond_the_grace_ends_in(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stop's grace ends at the first millisecond uvloop's clock reads at or past it
    (`_loop_timer`). The `on_stop`'s own cut, armed later, ended at the nearest one: a
    millisecond earlier whenever the clock's reading plus the grace came out a float's error
    above a whole millisecond (a stop in three, at some uptimes), and the cut, logged, stood
    in for the stop's report."""
    if not on_uvloop():
        pytest.skip("asyncio's loop rounds no deadline to a millisecond")
    from actorkit import _outside_stop

    async with asyncio.timeout(BOUND), ActorSystem() as system:
        for i, grace in enumerate(GRACES * 6):
            monkeypatch.setattr(_outside_stop, "FORCED_STOP_GRACE", grace)
            with gated() as on:
                held = await system.spawn(Unwinds, [], None, name=f"held{i}")
                on[0] = False
            await held.stop(timeout=0.002)
        logged = caplog.text
    assert logged.count("abandoned the on_stop of") == len(GRACES) * 6


async def test_an_on_stop_its_own_cut_ended_first_is_reported_all_the_same(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """uvloop reads its clock twice as it arms a timer, so it may arm the stop's grace a
    millisecond late, and the `on_stop`'s own cut, armed after it, fire first (seen once in
    CI, in the test above). An `on_stop` so cut ran a whole grace begun after the stop's: the
    report names it whichever timer fired first. Here the stop's grace is armed half a grace
    late."""
    from actorkit import _loop_timer, _outside_stop

    armed: list[float] = []

    def first_late(seconds: float) -> asyncio.Timeout:
        armed.append(seconds)
        return _loop_timer.timeout(seconds + (GRACE / 2 if len(armed) == 1 else 0.0))

    monkeypatch.setattr(_outside_stop, "loop_timeout", first_late)
    logged = await stopped_held(caplog)
    assert armed == [GRACE, GRACE]  # the stop's grace, then the cut
    assert logged.index("on_stop of /held was cut short") < logged.index("abandoned")
    assert "stop of /held abandoned the on_stop of /held past the grace" in logged


async def test_a_stop_waits_for_no_other_stop_s_on_stop(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    roomy_grace(monkeypatch)
    stopped: list[str] = []
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        with gated() as on:
            refs: list[ActorRef] = [
                await system.spawn(Unwinds, stopped, None, name="x"),
                await system.spawn(Unwinds, stopped, 20, name="y"),
            ]
            on[0] = False
        await asyncio.gather(*(ref.stop(timeout=0.05) for ref in refs))
        assert stopped == ["/y"]
    assert "stop of /y abandoned" not in caplog.text


async def test_a_timer_armed_late_does_not_let_the_on_stop_s_own_cut_report_first(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The grace is one deadline, set as the force begins: a machine that stalls between
    reading the clock and arming a timer (a collection, a preempted core: seen once in CI)
    must not move the stop's deadline past the cut its own `on_stop` run apart got later.
    Here every `call_later` arms as if half the grace had passed first."""
    if on_uvloop():
        pytest.skip("uvloop arms `call_at` through `call_later`: the late one would call itself")
    loop = asyncio.get_running_loop()
    stall = GRACE / 2

    def late(delay: float, callback: Any, *args: Any, context: Any = None) -> asyncio.TimerHandle:
        return loop.call_at(loop.time() + stall + delay, callback, *args, context=context)

    monkeypatch.setattr(loop, "call_later", late)
    stopped, logged = await stopped_parent([("a", None)], caplog)
    assert stopped == []
    assert "stop of /p abandoned the on_stop of /p/a past the grace" in logged
