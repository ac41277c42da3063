"""A program that drives its own event loop runs it in turns: `asyncio.Runner.run` called again
and again, `loop.run_until_complete` once per request of a synchronous program, the tests of a
module whose pytest-asyncio loop (and the system its fixture opened) lives across them. Between
two turns the loop is stopped, not blocked: nothing waits on it. The watchdog reported each such
pause past `blocked_threshold` as a stall "outside its actors' handlers" and counted it in
`actorkit_event_loop_blocked_total`, whose alert then fired on every idle pause."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest
from prometheus_client import generate_latest

from actorkit import Actor, ActorSystem
from actorkit._watchdog import Watchdog

from .conftest import LOOPS

pytestmark = pytest.mark.usefixtures("collector_paused")  # they count blocks in real time

THRESHOLD = 0.15
"""Well past the stall a loaded machine can give a loop as it starts again: a first step kept
from the CPU for a threshold is, to the watchdog, a block (a loop held, whatever holds it)."""
REPORT_BOUND = 2.0
"""Seconds a handler holds the loop waiting for the watchdog's report: far beyond the threshold."""


class Hog(Actor):
    async def receive(self, message: Any) -> Any:
        end = time.monotonic() + REPORT_BOUND
        while not message() and time.monotonic() < end:
            pass  # holds the running loop until the watchdog has named it
        return "done"


def the_program_s_own_work(seconds: float) -> None:
    """Synchronous work of the program between two turns of its loop, holding its thread."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def blocked(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "blocked" in r.getMessage()]


@pytest.mark.parametrize("loop_factory", [LOOPS[name] for name in sorted(LOOPS)], ids=sorted(LOOPS))
def test_a_loop_stopped_between_its_runs_is_not_reported_blocked(
    loop_factory: Any, caplog: pytest.LogCaptureFixture
) -> None:
    system = ActorSystem(blocked_threshold=THRESHOLD)
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(system.start())
        hog = runner.run(system.spawn(Hog, name="hog"))
        the_program_s_own_work(6 * THRESHOLD)
        assert runner.run(hog.ask(lambda: True)) == "done"
        assert blocked(caplog) == [], "the stopped loop was reported as blocked"
        # The watchdog still names a handler holding the loop once it runs again.
        assert runner.run(hog.ask(lambda: bool(blocked(caplog)))) == "done"
        text = generate_latest(system.metrics.registry).decode()
        runner.run(system.shutdown())
    assert [message.split(" has ")[0] for message in blocked(caplog)] == ["actor /hog (Hog)"]
    assert 'actorkit_event_loop_blocked_total{actor_type="Hog"} 1.0' in text
    assert 'actorkit_event_loop_blocked_total{actor_type="(outside actors)"} 0.0' in text


SLOW = 0.3
"""A threshold long enough for the phases below to hold on a busy machine."""


class Looks:
    """Counts the watchdog's looks at a loop with no heartbeat within its wait (`_waited`)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        waited = Watchdog._waited  # noqa: SLF001  (its looks, which no public name counts)

        def counted(watchdog: Watchdog, stall: Any) -> Any:
            self.count += 1
            return waited(watchdog, stall)

        monkeypatch.setattr(Watchdog, "_waited", counted)

    def again(self) -> Callable[[], bool]:
        """Whether the watchdog has looked since this call."""
        seen = self.count
        return lambda: self.count > seen


async def held(seconds: float = REPORT_BOUND, until: Callable[[], bool] = lambda: False) -> None:
    """A first step that holds the loop `seconds`, or until `until()`: it runs before the
    heartbeat, overdue since the pause, which the loop runs next."""
    end = time.monotonic() + seconds
    while not until() and time.monotonic() < end:
        pass


@pytest.mark.parametrize("loop_factory", [LOOPS[name] for name in sorted(LOOPS)], ids=sorted(LOOPS))
def test_a_loop_held_as_it_runs_again_is_timed_from_that_run(
    loop_factory: Any, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The watchdog, seeing the loop stopped, looks again a threshold on: after a pause of
    1.5 thresholds, at most half a threshold into the next run. Held until that look, the
    loop is not reported (its stall counted from the pause would be); held for good, it is,
    once: it is not taken for stopped again for want of a heartbeat. Held for a fixed time
    instead, a stall of the machine between that hold and the loop's stop would be one."""
    looks = Looks(monkeypatch)
    system = ActorSystem(blocked_threshold=SLOW)
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(system.start())
        for _ in range(2):
            the_program_s_own_work(1.5 * SLOW)
            runner.run(held(0.75 * SLOW, until=looks.again()))
        assert blocked(caplog) == [], "held for less than its threshold"
        the_program_s_own_work(1.5 * SLOW)
        runner.run(held(until=lambda: bool(blocked(caplog))))
        text = generate_latest(system.metrics.registry).decode()
        runner.run(system.shutdown())
    assert len(blocked(caplog)) == 1, blocked(caplog)
    assert 'actorkit_event_loop_blocked_total{actor_type="(outside actors)"} 1.0' in text
