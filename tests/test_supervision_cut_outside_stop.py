"""A stop from outside already under way (running the child's `on_stop`) when a sibling's
`one_for_all` / `rest_for_one` restart cuts the child past its strategy's `shutdown` time: the
cut ends it for good, as the stop asked, and `await ref.stop()` returns once it has (README,
"Stopping and shutdown"; API 9, "Supervision": a stop asked from outside is never followed by a
restart), with or without a task factory, under which the cell's fresh task takes its first
step a loop turn later."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import (
    Actor,
    ActorRef,
    ActorSystem,
    ChildSpec,
    OneForAll,
    RestForOne,
    Supervisor,
    Terminated,
)
from actorkit._lifecycle import Lifecycle
from actorkit._outside_stop import FORCED_STOP_GRACE
from actorkit.testing import Probe

from .otp_conformance_support import Watcher
from .outside_stop_support import FACTORIES, factory_of, plain

BOUND = 0.01


class Crashing(Actor):
    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise ValueError("crash")
        return message


class SlowToStop(Actor):
    """Its `on_stop` awaits a cleanup that outlasts the supervisor's shutdown time."""

    def __init__(self, made: list[str], in_on_stop: asyncio.Event) -> None:
        made.append(self.name)
        self.in_on_stop = in_on_stop

    async def on_stop(self) -> None:
        self.in_on_stop.set()
        await asyncio.Event().wait()

    async def receive(self, message: Any) -> Any:
        return message


async def stopped(ref: ActorRef) -> bool:
    """`await ref.stop()`, and whether the actor was still alive as it returned."""
    await ref.stop()
    return not ref.is_alive


@pytest.mark.parametrize("factory", FACTORIES)
@pytest.mark.parametrize("strategy", [OneForAll, RestForOne])
async def test_a_restart_cutting_an_outside_stop_ends_the_child_for_good(
    strategy: type, factory: Any
) -> None:
    made: list[str] = []
    in_on_stop = asyncio.Event()
    async with factory_of(factory), asyncio.timeout(5), ActorSystem() as system:
        probe = await Probe.spawn(system)
        watcher = await system.spawn(Watcher, probe.ref)
        sup = await system.spawn(
            Supervisor,
            [ChildSpec(Crashing, name="a"), ChildSpec(SlowToStop, made, in_on_stop, name="b")],
            strategy(shutdown=BOUND),
        )
        a, b = system.lookup(f"{sup.path}/a"), system.lookup(f"{sup.path}/b")
        assert a is not None and b is not None
        await watcher.ask(b)
        stopping = asyncio.ensure_future(stopped(b))
        await in_on_stop.wait()  # the outside stop runs b's `on_stop`
        a.tell("crash")  # the restart reaches b, still in `on_stop`, and cuts it
        async with asyncio.timeout(1):
            assert await stopping  # not before the cut's end closed it
        assert not b.is_alive and system.lookup(f"{sup.path}/b") is None
        ended = await probe.receive()
        assert isinstance(ended, Terminated) and ended.ref == b and ended.reason is None
        assert await a.ask("restarted, and runs") == "restarted, and runs"
        assert made == ["b"]  # no new instance of b
        await watcher.ask("sync")
        probe.expect_empty()


async def test_an_outside_stop_whose_cut_hands_the_cell_to_a_task_cancelled_at_once() -> None:
    """The fresh task the cut hands the cell to, cancelled at its first step (a task factory's
    yield), as the end of `asyncio.run` cancels every task: nothing runs the `Cut`, and the
    cut, past its grace, stops the child for good; the stop returns within that, and once
    the child is closed. (An eager factory's task has run the `Cut` by then.) The real grace,
    1 s: the stop's bound, a second past it, then fails a cut that waits 2.5 times as long."""
    in_on_stop = asyncio.Event()
    async with factory_of(plain), asyncio.timeout(5), ActorSystem() as system:
        sup = await system.spawn(
            Supervisor,
            [ChildSpec(Crashing, name="a"), ChildSpec(SlowToStop, [], in_on_stop, name="b")],
            OneForAll(shutdown=BOUND),
        )
        a, b = system.lookup(f"{sup.path}/a"), system.lookup(f"{sup.path}/b")
        assert a is not None and b is not None
        cell = b._cell
        stopping = asyncio.ensure_future(stopped(b))
        await in_on_stop.wait()
        old = cell.task
        assert old is not None
        cancelled: list[asyncio.Task[Any]] = []

        def at_its_end(_: asyncio.Task[Any]) -> None:
            if cell.task is not None and cell.task is not old:
                cancelled.append(cell.task)
                cell.task.cancel()

        old.add_done_callback(at_its_end)
        a.tell("crash")
        async with asyncio.timeout(BOUND + FORCED_STOP_GRACE + 1):
            assert await stopping
        assert cancelled and system.lookup(f"{sup.path}/b") is None
        assert await a.ask("restarted, and runs") == "restarted, and runs"
        await sup.stop()
        assert system.accounting().balanced


class WithOnStop(Actor):
    async def on_stop(self) -> None:
        pass

    async def receive(self, message: Any) -> Any:
        return message


async def test_an_outside_stop_whose_own_transition_raised_still_returns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No cut then: the runtime's fault in the stop is the actor's failure, reported to its
    parent once cleaned up, and the stop's wait ends with that cleanup, as a signal's does."""
    original = Lifecycle.finalize
    faults = [RuntimeError("a fault in a stop")]

    async def faulty(self: Lifecycle, *args: Any, **kwargs: Any) -> None:
        if faults and self.path == "/a":
            raise faults.pop()
        await original(self, *args, **kwargs)

    monkeypatch.setattr(Lifecycle, "finalize", faulty)
    async with asyncio.timeout(5), ActorSystem() as system:
        ref = await system.spawn(WithOnStop, name="a")
        assert await ref.ask("hi") == "hi"
        async with asyncio.timeout(1):
            await ref.stop()
        assert not faults
