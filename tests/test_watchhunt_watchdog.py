"""The watchdog counts a stall under the code that holds the loop in more places: a
supervisor's decider (an actor's `supervisor_strategy` counts under that actor's class, the
system's own `supervisor=` outside actors, never under the runtime's private root class), a
loop that runs in another thread than the one the system started in (`run_until_complete`
there, then `run_forever` in a thread of its own), and an `on_stop` run in a task of its own.
Each blocking call holds the loop until the watchdog has reported it, so nothing depends on
how long a fixed block lasts."""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any, Literal

import pytest

from actorkit import Actor, ActorSystem, OneForOne

from .conftest import LOOPS, LoopFactory
from .test_obshunt2_watchdog import (
    REPORT_BOUND,
    THRESHOLD,
    Named,
    blocked_counts,
    hold_until_reported,
    named,
)

__all__ = ["named"]  # the fixture, shared with test_obshunt2_watchdog.py

pytestmark = pytest.mark.usefixtures("collector_paused")

BOUND = 15.0
"""Seconds each test gets in all: far beyond the reports it waits for."""


def blocking_decider(error: BaseException) -> Literal["resume"]:
    hold_until_reported()
    return "resume"


class Fails(Actor):
    async def receive(self, message: Any) -> Any:
        if message == "boom":
            raise ValueError("to be decided on")
        return message


class Decides(Actor):
    supervisor_strategy = OneForOne(decider=blocking_decider)

    async def receive(self, message: Any) -> Any:
        return await self.spawn(Fails, name="failing")


async def test_an_actor_s_decider_holding_the_loop_counts_under_that_actor(
    named: Named,
) -> None:
    async with asyncio.timeout(BOUND), ActorSystem(blocked_threshold=THRESHOLD) as system:
        parent = await system.spawn(Decides, name="parent")
        child = await parent.ask("spawn")
        child.tell("boom")
        assert await child.ask("after") == "after"  # resumed once the decider returned
        counts = blocked_counts(system)
    assert named.named == [("/parent", "Decides")]
    assert counts.get("Decides") == 1.0


async def test_the_system_supervisor_s_decider_holding_the_loop_counts_outside_actors(
    named: Named,
) -> None:
    supervisor = OneForOne(decider=blocking_decider)
    async with (
        asyncio.timeout(BOUND),
        ActorSystem(blocked_threshold=THRESHOLD, supervisor=supervisor) as system,
    ):
        child = await system.spawn(Fails, name="failing")
        child.tell("boom")
        assert await child.ask("after") == "after"
        counts = blocked_counts(system)
    assert named.named == []  # no actor of the user's held it: the root is none
    assert named.outside >= 1  # a loaded machine may stall the loop outside actors too
    assert list(counts) == ["(outside actors)"]


class Holds(Actor):
    async def receive(self, message: Any) -> str:
        hold_until_reported()
        return "held"


@pytest.mark.parametrize("make_loop", LOOPS.values(), ids=LOOPS.keys())
def test_a_loop_run_on_in_another_thread_still_names_the_actor_holding_it(
    named: Named, make_loop: LoopFactory
) -> None:
    loop = make_loop()
    runner = threading.Thread(target=loop.run_forever, name="moved-loop")
    try:
        system = ActorSystem(blocked_threshold=THRESHOLD)
        loop.run_until_complete(system.start())
        holds = loop.run_until_complete(system.spawn(Holds, name="holds"))
        runner.start()  # the loop runs on there: its first step may be the handler

        async def ask_then_count() -> dict[str, float]:
            assert await holds.ask("go", timeout=BOUND) == "held"
            counts = blocked_counts(system)
            await system.shutdown()
            return counts

        counts = asyncio.run_coroutine_threadsafe(ask_then_count(), loop).result(BOUND)
    finally:
        if runner.is_alive():
            loop.call_soon_threadsafe(loop.stop)
            runner.join(BOUND)
        loop.close()
    assert named.named == [("/holds", "Holds")]
    assert counts.get("Holds") == 1.0


class BothReports(logging.Handler):
    """The watchdogs' warnings; `both` is set once the owner's named its actor and the
    neighbour's named it too, as outside its own (others a loaded machine makes aside)."""

    def __init__(self) -> None:
        super().__init__()
        self.both = threading.Event()
        self.told: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.told.append(record.getMessage())
        if any("blocked the event loop" in t for t in self.told) and any(
            t.endswith(NEIGHBOUR_TOLD) for t in self.told
        ):
            self.both.set()


NEIGHBOUR_TOLD = "outside its actors' handlers (in actor /holds of system owner)"


class HoldsForBoth(Actor):
    async def receive(self, message: BothReports) -> bool:
        return message.both.wait(REPORT_BOUND)  # holds the loop, as a time.sleep would


def beaten_in(system: ActorSystem, thread: threading.Thread) -> asyncio.Event:
    """Set once a heartbeat of `system`'s watchdog has run in `thread`: each heartbeat arms
    the next through the instance's attribute, which this wraps."""
    beaten = asyncio.Event()
    watchdog: Any = system._watchdog  # noqa: SLF001  # the heartbeat has no public sign
    heartbeat = watchdog._heartbeat  # noqa: SLF001

    def beat(loop: asyncio.AbstractEventLoop) -> None:
        heartbeat(loop)
        if threading.current_thread() is thread:
            beaten.set()

    watchdog._heartbeat = beat  # noqa: SLF001
    return beaten


@pytest.mark.parametrize("make_loop", LOOPS.values(), ids=LOOPS.keys())
def test_a_neighbour_on_a_loop_run_on_in_another_thread_names_whose_handler_held_it(
    make_loop: LoopFactory,
) -> None:
    reports = BothReports()
    logger = logging.getLogger("actorkit")
    logger.addHandler(reports)
    loop = make_loop()
    runner = threading.Thread(target=loop.run_forever, name="moved-loop")
    try:
        owner = ActorSystem("owner", blocked_threshold=THRESHOLD)
        neighbour = ActorSystem("neighbour", blocked_threshold=THRESHOLD)
        loop.run_until_complete(owner.start())
        loop.run_until_complete(neighbour.start())
        holds = loop.run_until_complete(owner.spawn(HoldsForBoth, name="holds"))
        beaten = [beaten_in(system, runner) for system in (owner, neighbour)]
        runner.start()

        async def hold_then_shut_down() -> bool:
            # Both watchdogs' heartbeats have run in this thread before the handler holds it.
            for heartbeat in beaten:
                await heartbeat.wait()
            held = await holds.ask(reports, timeout=2 * BOUND)
            await neighbour.shutdown()
            await owner.shutdown()
            return held is True

        held = asyncio.run_coroutine_threadsafe(hold_then_shut_down(), loop).result(3 * BOUND)
    finally:
        logger.removeHandler(reports)
        if runner.is_alive():
            loop.call_soon_threadsafe(loop.stop)
            runner.join(BOUND)
        loop.close()
    assert held is True
    told = [t for t in reports.told if "neighbour" in t and t.endswith(NEIGHBOUR_TOLD)]
    assert len(told) == 1


class StopsSlowly(Actor):
    """Its `on_stop` gives it a task from `spawn` on, which has not begun on return."""

    async def receive(self, message: Any) -> None:
        pass

    async def on_stop(self) -> None:
        hold_until_reported()


async def test_an_on_stop_run_apart_from_a_task_cancelled_before_its_first_step_names_the_actor(
    named: Named,
) -> None:
    """The end of `asyncio.run` cancels such a task; the stop that closes the actor runs its
    `on_stop` in a task of its own, which the shutdown waits for."""
    async with asyncio.timeout(BOUND), ActorSystem(blocked_threshold=THRESHOLD) as system:
        ref = await system.spawn(StopsSlowly, name="stops")
        task = ref._cell.task  # no await since its spawn: not begun
        assert task is not None
        task.cancel()
        await system.shutdown()
        counts = blocked_counts(system)
    assert named.named == [("/stops", "StopsSlowly")]
    assert counts.get("StopsSlowly") == 1.0
