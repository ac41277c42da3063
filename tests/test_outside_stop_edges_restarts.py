"""`await ref.stop()` meeting a supervisor's restart: a stop in the turn a cut hands the cell to
a new task that has not taken its first step, with and without a task factory; a stop in the
turn of a crash, before or during the backoff; a stop of an actor restarted in place (API 9,
"Stopping")."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, Backoff, ChildSpec, OneForAll, OneForOne, Supervisor
from actorkit.testing import ManualClock

from .outside_stop_support import FACTORIES, factory_of, task_of

pytestmark = pytest.mark.timeout(10)


class Busy(Actor):
    """Holds its handler until cut (its supervisor's shutdown time is short)."""

    def __init__(self, started: list[asyncio.Event]) -> None:
        self.started = started

    async def receive(self, message: Any) -> Any:
        if message == "hold":
            self.started[0].set()
            await asyncio.Event().wait()
        return message


class Crashing(Actor):
    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise ValueError("crash")
        return message


@pytest.mark.parametrize("factory", FACTORIES)
@pytest.mark.parametrize("cancel_new_task", [False, True])
async def test_a_stop_in_the_turn_a_cut_hands_the_cell_to_a_new_task(
    factory: Any, cancel_new_task: bool
) -> None:
    """The old task's end, after it made the new one: a stop there finds the new task maybe
    not begun (a task factory's first step is a yield); cancelled there too, as the end of
    `asyncio.run` cancels every task, the stop still returns with the cell closed."""
    started = [asyncio.Event()]
    async with factory_of(factory), asyncio.timeout(5), ActorSystem() as system:
        sup = await system.spawn(
            Supervisor,
            [ChildSpec(Crashing, name="a"), ChildSpec(Busy, started, name="b")],
            OneForAll(shutdown=0.01),
        )
        b = system.lookup(f"{sup.path}/b")
        a = system.lookup(f"{sup.path}/a")
        assert a is not None and b is not None
        b.tell("hold")
        await started[0].wait()
        old = task_of(b)
        assert old is not None
        stops: list[asyncio.Task[None]] = []

        def at_its_end(_: asyncio.Task[Any]) -> None:
            new = task_of(b)
            stops.append(asyncio.ensure_future(b.stop()))
            if cancel_new_task and new is not None and new is not old:
                new.cancel()

        old.add_done_callback(at_its_end)
        a.tell("crash")
        while not stops:
            await asyncio.sleep(0)
        await stops[0]
        assert not b.is_alive
        await sup.stop()
        assert system.accounting().balanced


class CrashesWithOnStop(Actor):
    def __init__(self, seen: list[str]) -> None:
        self.seen = seen
        seen.append("made")

    async def on_stop(self) -> None:
        self.seen.append("on_stop")

    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise ValueError("crash")
        return message


@pytest.mark.parametrize("backoff", [0.0, 10.0], ids=["at once", "backoff"])
async def test_a_stop_from_outside_while_the_supervisor_restarts_an_actor_with_on_stop(
    backoff: float, clock: ManualClock
) -> None:
    """The crash and the stop in one turn: the stop ends it for good, no instance made after."""
    seen: list[str] = []
    strategy = (
        OneForOne(backoff=Backoff(min=backoff, max=backoff, jitter=0.0)) if backoff else OneForOne()
    )
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        sup = await system.spawn(
            Supervisor, [ChildSpec(CrashesWithOnStop, seen, name="c")], strategy
        )
        child = system.lookup(f"{sup.path}/c")
        assert child is not None
        assert await child.ask("hi") == "hi"
        child.tell("crash")
        await child.stop()
        assert not child.is_alive
        await clock.advance(backoff + 1)
        assert seen.count("made") <= 2
        assert system.lookup(f"{sup.path}/c") is None
        await sup.stop()
        assert system.accounting().balanced


class Plain(Actor):
    """No hooks: dormant until its first message, restarted in place (`start_in_place`)."""

    def __init__(self, made: list[str]) -> None:
        made.append("made")

    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise ValueError("crash")
        return message


@pytest.mark.parametrize("factory", FACTORIES)
@pytest.mark.parametrize("when", ["the crash's turn", "restarted"])
async def test_a_stop_of_an_actor_restarted_in_place(factory: Any, when: str) -> None:
    made: list[str] = []
    async with factory_of(factory), asyncio.timeout(5), ActorSystem() as system:
        sup = await system.spawn(Supervisor, [ChildSpec(Plain, made, name="p")], OneForOne())
        child = system.lookup(f"{sup.path}/p")
        assert child is not None
        child.tell("crash")
        if when == "restarted":
            assert await child.ask("again") == "again"
            assert made == ["made", "made"]
        task = task_of(child)
        await child.stop()
        assert not child.is_alive
        assert task is None or task.done()
        assert system.lookup(f"{sup.path}/p") is None
        await sup.stop()
        assert system.accounting().balanced
