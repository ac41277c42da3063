"""`await ref.stop()` at its edges: an idle leaf's stop closes it when the coroutine runs
(not when `stop()` is called), whoever drives that coroutine (`wait_for`, `shield`, `gather`,
a task cancelled before or while it runs); a message arriving in the same turn; the actor's
own task cancelled meanwhile; and a stop meeting a supervisor's cut before the cell's new
task took its first step, with and without a task factory (API 9, "Stopping")."""

from __future__ import annotations

import asyncio
import gc
import sys
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

import pytest

from actorkit import (
    Actor,
    ActorRef,
    ActorSystem,
    Backoff,
    ChildSpec,
    NotDelivered,
    OneForAll,
    OneForOne,
    Supervisor,
)
from actorkit.testing import ManualClock

pytestmark = pytest.mark.timeout(10)


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        return message


class Hooked(Actor):
    def __init__(self, seen: list[str]) -> None:
        self.seen = seen

    async def on_stop(self) -> None:
        self.seen.append("on_stop")

    async def receive(self, message: Any) -> Any:
        self.seen.append(f"got {message}")
        return message


def plain(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Task[Any]:
    kwargs.pop("eager_start", None)
    return asyncio.Task(coro, loop=loop, **kwargs)


FACTORIES: list[Any] = [pytest.param(None, id="default"), pytest.param(plain, id="factory")]
if hasattr(asyncio, "eager_task_factory"):
    FACTORIES.append(pytest.param(asyncio.eager_task_factory, id="eager"))


@asynccontextmanager
async def factory_of(factory: Any) -> AsyncIterator[None]:
    loop = asyncio.get_running_loop()
    on_uvloop = type(loop).__module__.startswith("uvloop")
    if factory is not None and factory is not plain and on_uvloop and sys.version_info >= (3, 13):
        pytest.skip("uvloop passes eager_start=None, which 3.13.0's eager factory refuses")
    loop.set_task_factory(factory)
    try:
        yield
    finally:
        loop.set_task_factory(None)


async def parked(system: ActorSystem, actor: type[Actor] = Echo, *args: Any) -> ActorRef:
    ref = await system.spawn(actor, *args)
    assert await ref.ask("hi") == "hi"  # its task made, then parked
    return ref


def task_of(ref: ActorRef) -> asyncio.Task[Any] | None:
    return ref._cell.task


@pytest.mark.parametrize("factory", FACTORIES)
async def test_a_stop_called_but_not_yet_awaited_closes_nothing(factory: Any) -> None:
    async with factory_of(factory), ActorSystem() as system:
        ref = await parked(system)
        stopping = ref.stop()
        # Read into a local: mypy keeps a property narrowed by an assert past the awaits.
        alive = ref.is_alive
        assert alive  # the coroutine has not run
        assert await ref.ask("still") == "still"
        await stopping
        assert not ref.is_alive
        assert system.accounting().balanced


@pytest.mark.parametrize("factory", FACTORIES)
async def test_a_message_told_between_the_stop_call_and_its_await_is_a_dead_letter(
    factory: Any,
) -> None:
    seen: list[str] = []
    async with factory_of(factory), ActorSystem() as system:
        ref = await parked(system, Hooked, seen)
        stopping = ref.stop()
        ref.tell("late")
        await stopping
        assert seen[-2:] == ["got hi", "on_stop"]  # queued behind the stop: a dead letter
        assert not ref.is_alive
        assert system.accounting().dead_lettered == 1
        assert system.accounting().balanced


@pytest.mark.parametrize("factory", FACTORIES)
async def test_a_stop_task_and_a_tell_in_the_same_turn(factory: Any) -> None:
    async with factory_of(factory), ActorSystem() as system:
        before = system.accounting().processed
        ref = await parked(system)
        stopping = asyncio.create_task(ref.stop())
        ref.tell("same turn")
        await stopping
        assert not ref.is_alive
        assert task_of(ref) is None
        accounting = system.accounting()
        assert accounting.balanced
        # handled, dead-lettered, or refused (an eager task factory runs the stop first)
        assert accounting.processed + system.dead_letters.count >= before + 2


@pytest.mark.parametrize("factory", FACTORIES)
async def test_an_idle_leaf_whose_task_was_cancelled_meanwhile_stops(factory: Any) -> None:
    async with factory_of(factory), ActorSystem() as system:
        ref = await parked(system)
        task = task_of(ref)
        assert task is not None
        task.cancel()  # as the end of `asyncio.run` does, in the turn of the stop
        await asyncio.wait_for(ref.stop(), 5)
        assert not ref.is_alive
        assert task.done()
        with pytest.raises(NotDelivered):
            await ref.ask("gone")


async def test_stops_driven_by_wait_for_shield_gather_and_tasks() -> None:
    async with ActorSystem() as system:
        refs = [await parked(system) for _ in range(6)]
        await asyncio.wait_for(refs[0].stop(), 5)
        await asyncio.shield(refs[1].stop())
        await asyncio.gather(refs[2].stop(), refs[2].stop(), refs[3].stop())
        await asyncio.create_task(refs[4].stop())
        await asyncio.ensure_future(refs[5].stop())
        assert not any(ref.is_alive for ref in refs)
        assert all(task_of(ref) is None for ref in refs)
        assert system.actor_count == 0
        assert system.accounting().balanced


async def test_a_wait_for_with_no_time_still_closes_the_actor() -> None:
    async with ActorSystem() as system:
        ref = await parked(system)
        with suppress(TimeoutError):
            await asyncio.wait_for(ref.stop(), 0)
        assert not ref.is_alive or await ref.ask("x") == "x"
        await ref.stop()
        assert not ref.is_alive
        assert system.accounting().balanced


async def test_a_stop_cancelled_before_it_ran_leaves_the_actor_and_warns_nothing() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with ActorSystem() as system:
            ref = await parked(system)
            stopping = asyncio.create_task(ref.stop())
            stopping.cancel()
            with pytest.raises(asyncio.CancelledError):
                await stopping
            # Read into a local: mypy keeps a property narrowed by an assert past the awaits.
            alive = ref.is_alive
            assert alive
            assert await ref.ask("after") == "after"
            unawaited = ref.stop()
            del unawaited  # called, never awaited: an `async def`'s usual warning only
            gc.collect()
            await ref.stop()
            assert not ref.is_alive
        never = [w for w in caught if "never awaited" in str(w.message)]
        assert all("ActorRef.stop" in str(w.message) for w in never), never


async def test_a_stop_cancelled_at_its_yield_has_closed_the_actor() -> None:
    async with ActorSystem() as system:
        ref = await parked(system)
        task = task_of(ref)
        stopping = asyncio.create_task(ref.stop())
        await asyncio.sleep(0)  # one turn: the stop ran up to its yield
        assert not ref.is_alive
        stopping.cancel()
        with pytest.raises(asyncio.CancelledError):
            await stopping
        assert task is not None
        await asyncio.wait_for(asyncio.shield(task), 5)
        assert system.accounting().balanced


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
