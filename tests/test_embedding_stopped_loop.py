"""A program that drives its own event loop runs it in turns: `asyncio.Runner.run` called again
and again, `loop.run_until_complete` once per request of a synchronous program, the tests of a
module whose pytest-asyncio loop (and the system its fixture opened) lives across them. Between
two turns the loop is stopped, not blocked: nothing waits on it. The watchdog reported each such
pause past `blocked_threshold` as a stall "outside its actors' handlers" and counted it in
`actorkit_event_loop_blocked_total`, whose alert then fired on every idle pause."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from prometheus_client import generate_latest

from actorkit import Actor, ActorSystem

from .conftest import LOOPS

THRESHOLD = 0.05
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
