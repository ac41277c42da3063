"""A system whose event loop closed under it (`asyncio.run` ended with no `shutdown`) must not
keep a registry passed in from serving the next system."""

from __future__ import annotations

import asyncio
import gc
import sys
import threading
import weakref
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from actorkit import ActorSystem

from .conftest import LOOPS

THREAD_END_BOUND = 5.0


@pytest.mark.parametrize("loop_factory", [LOOPS[name] for name in sorted(LOOPS)], ids=sorted(LOOPS))
def test_a_system_left_running_on_a_closed_loop_gives_its_registry_to_the_next(
    loop_factory: Any,
) -> None:
    registry = CollectorRegistry()

    async def abandoned() -> None:
        await ActorSystem("app", registry=registry).start()

    async def next_one() -> str:
        async with ActorSystem("app", registry=registry):
            return generate_latest(registry).decode()

    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(abandoned())
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        text = runner.run(next_one())
    assert text.count("# TYPE actorkit_actors gauge") == 1
    assert "actorkit_" not in generate_latest(registry).decode()


def test_a_system_on_a_loop_still_open_keeps_its_registry() -> None:
    """Not run, but not closed: the loop may run the system again, so it still holds."""
    registry = CollectorRegistry()
    with asyncio.Runner() as paused, asyncio.Runner() as other:
        first = paused.run(ActorSystem("first", registry=registry).start())
        with pytest.raises(ValueError, match="already holds actorkit_\\* metrics"):
            other.run(ActorSystem("second", registry=registry).start())
        paused.run(first.shutdown())
    assert "actorkit_" not in generate_latest(registry).decode()


def test_a_registry_dropped_with_a_system_left_on_it_is_freed() -> None:
    """Remembering which system holds a registry must not keep the registry (nor the
    system in it) alive once the program lets it go."""
    registry = CollectorRegistry()
    dropped = weakref.ref(registry)
    before = set(threading.enumerate())

    async def abandoned(on: CollectorRegistry) -> None:
        await ActorSystem("app", registry=on, blocked_threshold=0.05).start()

    asyncio.run(abandoned(registry))
    # The watchdog thread, if the loop's end left it running, holds the system until it
    # sees the closed loop.
    new = [t for t in threading.enumerate() if t not in before]
    for watchdog in [t for t in new if t.name == "actorkit-watchdog"]:
        watchdog.join(THREAD_END_BOUND)
    del registry
    gc.collect()
    assert dropped() is None


@pytest.mark.loses_futures("the test closes a loop with the system's tasks pending, on purpose")
def test_a_system_on_a_loop_closed_by_hand_gives_its_registry_to_the_next(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A loop closed by hand, not by `asyncio.run`: nothing cancelled the system's tasks,
    so nothing of the system let go of the registry; the next system finds its loop closed."""
    registry = CollectorRegistry()
    before = set(threading.enumerate())
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(
            ActorSystem("app", registry=registry, blocked_threshold=0.05).start()
        )
    finally:
        loop.close()

    async def next_one() -> str:
        async with ActorSystem("app", registry=registry):
            return generate_latest(registry).decode()

    assert asyncio.run(next_one()).count("# TYPE actorkit_actors gauge") == 1
    for watchdog in [t for t in threading.enumerate() if t not in before]:
        watchdog.join(THREAD_END_BOUND)
    # The actors' coroutines, left on the closed loop, fail to end there when collected:
    # here, not in whichever test the collector would next run in.
    monkeypatch.setattr(sys, "unraisablehook", lambda unraisable: None)
    gc.collect()
