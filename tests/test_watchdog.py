"""A handler that blocks the event loop is reported by name (not silently tolerated)."""

from __future__ import annotations

import asyncio
import gc
import inspect
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

import pytest
from prometheus_client import generate_latest

from actorkit import Actor, ActorSystem
from actorkit.testing import instance

from .conftest import LOOPS

pytestmark = pytest.mark.usefixtures("collector_paused")  # they count blocks in real time

THREAD_END_BOUND = 5.0
"""Seconds a watchdog thread gets to end after its loop closed (it needs the threshold):
far beyond that, it never will."""


class Hog(Actor):
    async def receive(self, message: Any) -> Any:
        end = time.monotonic() + message  # holds the loop like a time.sleep would
        while time.monotonic() < end:
            pass
        return "done"


async def test_blocking_handler_is_reported_with_its_path(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with ActorSystem(blocked_threshold=0.05) as system:
        hog = await system.spawn(Hog, name="hog")
        assert await hog.ask(0.3) == "done"
        text = generate_latest(system.metrics.registry).decode()
    warnings = [r for r in caplog.records if "blocked the event loop" in r.getMessage()]
    assert len(warnings) == 1  # one report per blocking episode
    assert warnings[0].actor_path == "/hog"  # type: ignore[attr-defined]
    assert 'actorkit_event_loop_blocked_total{actor_type="Hog"} 1.0' in text


async def test_the_watchdog_lets_go_of_the_actor_it_reported(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The report looks through the loop thread's frames for the running cell: neither
    may outlive the report, keeping that actor alive once it stopped."""
    async with asyncio.timeout(10), ActorSystem(blocked_threshold=0.05) as system:
        hog = await system.spawn(Hog)
        assert await hog.ask(0.3) == "done"
        assert "blocked the event loop" in caplog.text  # reported while it still blocked
        held = weakref.ref(instance(hog))
        await hog.stop()
        del hog
        # No `gc.collect()`: one that held the loop past the threshold would make a second
        # report, whose frames would replace the first's and hide what they kept.
        assert held() is None


async def test_quick_handlers_are_not_reported(caplog: pytest.LogCaptureFixture) -> None:
    async with ActorSystem(blocked_threshold=0.5) as system:
        hog = await system.spawn(Hog)
        for _ in range(10):
            await hog.ask(0.001)
    assert "blocked the event loop" not in caplog.text


def test_threshold_must_be_positive() -> None:
    with pytest.raises(ValueError, match="blocked_threshold"):
        ActorSystem(blocked_threshold=0)


@pytest.mark.parametrize("loop_factory", [LOOPS[name] for name in sorted(LOOPS)], ids=sorted(LOOPS))
def test_the_watchdog_thread_ends_with_a_loop_closed_under_a_running_system(
    loop_factory: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """`asyncio.run` cancelled, or a `start()` without `shutdown()`: the loop ends while
    the system runs (its end shuts the system down, which stops the watchdog; a loop closed
    with the tasks left pending is seen closed by the watchdog itself). Its watchdog thread
    ends, keeps neither loop nor system alive, and does not report the closed loop as blocked.
    A stall before the close (a loaded machine: the threshold is 50 ms) is a true report, and
    not the one looked for."""
    before = set(threading.enumerate())
    held: list[weakref.ref[Any]] = []

    async def abandoned() -> None:
        system = await ActorSystem(metrics=False, blocked_threshold=0.05).start()
        held.extend([weakref.ref(system), weakref.ref(asyncio.get_running_loop())])

    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(abandoned())
    at_close = len(caplog.records)
    new = [t for t in threading.enumerate() if t not in before]
    for watchdog in [thread for thread in new if thread.name == "actorkit-watchdog"]:
        watchdog.join(THREAD_END_BOUND)
        assert not watchdog.is_alive()
    gc.collect()
    assert [ref() for ref in held] == [None, None]
    assert [r.getMessage() for r in caplog.records[at_close:] if "blocked" in r.getMessage()] == []


def spin_until(done: Callable[[], bool]) -> None:
    """Hold the loop until the watchdog logged what `done` looks for (or for `SPIN_BOUND`):
    no guess at how long the watchdog's thread takes to look."""
    end = time.monotonic() + SPIN_BOUND
    while not done() and time.monotonic() < end:
        pass


SPIN_BOUND = 2.0
"""Seconds a stall waits for the watchdog to report it: far beyond the threshold it looks at."""


class Spinner(Actor):
    async def receive(self, message: Callable[[], bool]) -> Any:
        spin_until(message)


async def test_a_handler_blocking_right_after_a_stall_outside_actors_is_named(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The loop, slowed outside any handler (a loaded machine, a slow callback), runs a
    blocking handler next with no heartbeat between: one stall to the watchdog, first seen
    outside actors. The handler that then holds the loop is still the one to name."""

    def logged(text: str) -> Callable[[], bool]:
        return lambda: any(text in record.getMessage() for record in caplog.records)

    async with asyncio.timeout(10), ActorSystem(blocked_threshold=0.05) as system:
        spinner = await system.spawn(Spinner, name="spinner")
        loop = asyncio.get_running_loop()
        loop.call_soon(spin_until, logged("outside its actors' handlers"))
        await spinner.ask(logged("actor /spinner (Spinner) has blocked the event loop"))
    assert system.metrics is not None
    text = generate_latest(system.metrics.registry).decode()
    assert 'actorkit_event_loop_blocked_total{actor_type="Spinner"} 1.0' in text


def test_the_default_threshold_is_the_documented_half_second() -> None:
    """docs/api.md: `ActorSystem(..., blocked_threshold=0.5, ...)`."""
    assert inspect.signature(ActorSystem).parameters["blocked_threshold"].default == 0.5
