"""The watchdog names the actor whose own code holds the loop, wherever the runtime runs
that code: its `on_start` and `on_stop` (at a restart, at its parent's stop), and its
factory at a restart carried out in place, where the supervisor's task runs it. An innocent
actor (the supervisor, the system's root) is never named for it. Each hook blocks the loop
until the watchdog has reported it, so nothing depends on how long a fixed block lasts."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from prometheus_client import generate_latest

from actorkit import Actor, ActorSystem
from actorkit._watchdog import OUTSIDE

pytestmark = pytest.mark.usefixtures("collector_paused")  # they count blocks in real time

REPORT_BOUND = 5.0
"""Seconds a hook holds the loop waiting for the report: far beyond the threshold."""
THRESHOLD = 0.05


class Named(logging.Handler):
    """The (path, class) of every actor the watchdog named, and an event per report. Stalls
    reported outside any handler are counted, and apart those while a hook holds the loop: one
    that the hook's own block makes is the runtime's fault; one elsewhere may be a loaded
    machine keeping the whole process off the CPU past the threshold."""

    def __init__(self) -> None:
        super().__init__()
        self.reported = threading.Event()
        self.named: list[tuple[str, str]] = []
        self.holding = False
        self.outside = self.outside_held = 0

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if "blocked the event loop" in text:
            self.named.append((record.actor_path, record.actor_class))  # type: ignore[attr-defined]
            self.reported.set()
        elif "outside its actors' handlers" in text:
            self.outside += 1
            self.outside_held += self.holding
            self.reported.set()


WATCH: list[Named] = []


def hold_until_reported(until: float = 0.0) -> None:
    """Holds the loop, as a `time.sleep` would, until the watchdog has reported it, and on
    until the `time.monotonic()` reading `until` if that comes later."""
    named = WATCH[-1]
    named.reported.clear()
    named.holding = True
    try:
        assert named.reported.wait(REPORT_BOUND), "the watchdog never reported the blocked loop"
        time.sleep(max(0.0, until - time.monotonic()))
    finally:
        named.holding = False


@pytest.fixture
def named() -> Iterator[Named]:
    handler = Named()
    logger = logging.getLogger("actorkit")
    logger.addHandler(handler)
    WATCH.append(handler)
    yield handler
    WATCH.remove(handler)
    logger.removeHandler(handler)


def blocked_counts(system: ActorSystem) -> dict[str, float]:
    assert system.metrics is not None
    counts: dict[str, float] = {}
    for line in generate_latest(system.metrics.registry).decode().splitlines():
        if line.startswith("actorkit_event_loop_blocked_total{"):
            label = line.split('actor_type="', 1)[1].split('"', 1)[0]
            counts[label] = float(line.rsplit(" ", 1)[1])
    return {label: count for label, count in counts.items() if count}


def actor_counts(system: ActorSystem) -> dict[str, float]:
    """`blocked_counts` by actor class only. A loaded machine may deschedule the whole
    process past the threshold: a stall outside any handler, no actor's."""
    return {label: count for label, count in blocked_counts(system).items() if label != OUTSIDE}


class SlowToMake(Actor):
    """A plain class with no `on_start`: its restart is carried out in place, its factory
    run by the supervisor's task. Its second instance's `__init__` blocks."""

    made = 0

    def __init__(self, crashed: asyncio.Event) -> None:
        super().__init__()
        self.crashed = crashed
        SlowToMake.made += 1
        if SlowToMake.made == 2:
            hold_until_reported()

    async def receive(self, message: Any) -> Any:
        if message == "boom":
            self.crashed.set()
            raise RuntimeError("crash, to be restarted")
        return message


class Keeper(Actor):
    """A supervisor of its own, so that the innocent actor is one of the user's."""

    async def receive(self, message: Any) -> Any:
        return await self.spawn(SlowToMake, message, name="made")


async def test_a_factory_blocking_in_a_restart_in_place_names_the_child(
    named: Named,
) -> None:
    SlowToMake.made = 0
    async with asyncio.timeout(15), ActorSystem(blocked_threshold=THRESHOLD) as system:
        crashed = asyncio.Event()
        keeper = await system.spawn(Keeper, name="keeper")
        child = await keeper.ask(crashed)
        child.tell("boom")
        await crashed.wait()
        assert await child.ask("after") == "after"  # the new instance, made once reported
        counts = actor_counts(system)
    assert named.named == [("/keeper/made", "SlowToMake")]
    assert counts == {"SlowToMake": 1.0}


async def test_a_factory_blocking_under_the_root_does_not_name_the_root(
    named: Named,
) -> None:
    SlowToMake.made = 0
    async with asyncio.timeout(15), ActorSystem(blocked_threshold=THRESHOLD) as system:
        crashed = asyncio.Event()
        child = await system.spawn(SlowToMake, crashed, name="made")
        child.tell("boom")
        await crashed.wait()
        assert await child.ask("after") == "after"
        counts = actor_counts(system)
    assert named.named == [("/made", "SlowToMake")]
    assert counts == {"SlowToMake": 1.0}


class StartsSlowlyAgain(Actor):
    started = 0

    async def on_start(self) -> None:
        StartsSlowlyAgain.started += 1
        if StartsSlowlyAgain.started == 2:
            hold_until_reported()

    async def receive(self, message: Any) -> Any:
        if message == "boom":
            raise RuntimeError("crash, to be restarted")
        return message


async def test_an_on_start_blocking_in_a_restart_names_the_restarted_actor(
    named: Named,
) -> None:
    StartsSlowlyAgain.started = 0
    async with asyncio.timeout(15), ActorSystem(blocked_threshold=THRESHOLD) as system:
        ref = await system.spawn(StartsSlowlyAgain, name="again")
        ref.tell("boom")
        assert await ref.ask("after") == "after"  # queued behind the restart
        counts = actor_counts(system)
    assert named.named == [("/again", "StartsSlowlyAgain")]
    assert named.outside_held == 0
    assert counts == {"StartsSlowlyAgain": 1.0}


class StopsSlowly(Actor):
    async def on_stop(self) -> None:
        hold_until_reported()


class HasSlowChild(Actor):
    async def on_start(self) -> None:
        await self.spawn(StopsSlowly, name="child")


async def test_a_child_on_stop_blocking_at_its_parents_stop_names_the_child(
    named: Named,
) -> None:
    async with asyncio.timeout(15), ActorSystem(blocked_threshold=THRESHOLD) as system:
        parent = await system.spawn(HasSlowChild, name="parent")
        await parent.stop()
        counts = actor_counts(system)
    assert named.named == [("/parent/child", "StopsSlowly")]
    assert counts == {"StopsSlowly": 1.0}


class SpawnsSlowStarter(Actor):
    async def receive(self, message: Any) -> Any:
        await self.spawn(StartsSlowly, name="child")
        return "spawned"


class StartsSlowly(Actor):
    async def on_start(self) -> None:
        hold_until_reported()


async def test_an_on_start_blocking_under_a_spawning_handler_names_the_child_not_the_parent(
    named: Named,
) -> None:
    async with asyncio.timeout(15), ActorSystem(blocked_threshold=THRESHOLD) as system:
        parent = await system.spawn(SpawnsSlowStarter, name="parent")
        assert await parent.ask("go") == "spawned"
        counts = actor_counts(system)
    assert named.named == [("/parent/child", "StartsSlowly")]
    assert counts == {"StartsSlowly": 1.0}


class First(Actor):
    async def receive(self, message: Any) -> bool:
        hold_until_reported()
        return True


class Next(Actor):
    """Runs right after `First`, in the same loop turn: the heartbeat due meanwhile has not
    run between them, so it holds the loop within the same stall."""

    async def receive(self, hold: float) -> bool:
        named = WATCH[-1]
        named.reported.clear()
        return named.reported.wait(hold)  # True once the watchdog named it


async def test_a_handler_blocking_right_after_a_named_one_in_the_same_stall_is_named_too(
    named: Named,
) -> None:
    async with asyncio.timeout(15), ActorSystem(blocked_threshold=THRESHOLD) as system:
        first = await system.spawn(First, name="first")
        then = await system.spawn(Next, name="next")
        asked = asyncio.ensure_future(first.ask("go"))
        next_asked = asyncio.ensure_future(then.ask(REPORT_BOUND, timeout=2 * REPORT_BOUND))
        assert await asked is True
        assert await next_asked is True, "the second handler holding the loop was not named"
        counts = actor_counts(system)
    assert named.named == [("/first", "First"), ("/next", "Next")]
    assert counts == {"First": 1.0, "Next": 1.0}


async def test_a_quick_handler_right_after_a_named_one_is_not_named(named: Named) -> None:
    async with asyncio.timeout(15), ActorSystem(blocked_threshold=THRESHOLD) as system:
        first = await system.spawn(First, name="first")
        then = await system.spawn(Next, name="next")
        asked = asyncio.ensure_future(first.ask("go"))
        next_asked = asyncio.ensure_future(then.ask(THRESHOLD / 10))
        assert await asked is True
        assert await next_asked is False
        counts = actor_counts(system)
    assert named.named == [("/first", "First")]
    assert counts == {"First": 1.0}


class MadeSlowly(Actor):
    def __init__(self) -> None:
        hold_until_reported()


class SpawnsSlowlyMade(Actor):
    async def receive(self, message: Any) -> Any:
        await self.spawn(MadeSlowly, name="child")
        return "spawned"


async def test_a_factory_blocking_at_a_spawn_in_a_handler_names_the_child(named: Named) -> None:
    async with asyncio.timeout(15), ActorSystem(blocked_threshold=THRESHOLD) as system:
        parent = await system.spawn(SpawnsSlowlyMade, name="parent")
        assert await parent.ask("go") == "spawned"
        counts = actor_counts(system)
    assert named.named == [("/parent/child", "MadeSlowly")]
    assert counts == {"MadeSlowly": 1.0}
