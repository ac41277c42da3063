"""Edges a mutation review of the runtime's last changes found untested (API 9): a handler
that is a plain callable raising `StopIteration`; a dormant actor woken by its stop (a restart
in place left it so), whose new task is cancelled before it began or has a message told right
behind the stop; and an idle actor's stop from outside, which is a close: no task made, the
instance let go, the watchers told of a stop asked for, its task's end waited for however many
steps it takes and never cancelled; a child with an `on_stop` failing while its supervisor
stops; arguments passed on to a base after `Actor`; and an actor whose task was cancelled
before it began, which loses nothing."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from actorkit import (
    Actor,
    ActorSystem,
    AskTimeout,
    Backoff,
    ChildSpec,
    OneForAll,
    Supervisor,
    Terminated,
)
from actorkit._begun import begun
from actorkit.testing import ManualClock, Probe

from .invariants import TaskSnapshot, assert_settled
from .otp_conformance_support import Watcher
from .test_mutants_lifecycle import FailsWhenLetGo, Watches

pytestmark = pytest.mark.timeout(10)
BOUND = 5


class PlainReceive(Actor):
    """Its `receive` a plain callable: what it raises is raised by the call, not awaited."""

    def __init__(self) -> None:
        self.receive = self.plain  # type: ignore[method-assign]

    def plain(self, message: Any) -> Any:
        if message == "stop iteration":
            return next(iter(()))
        return asyncio.sleep(0, message)


async def test_a_stop_iteration_raised_by_a_plain_callable_handler_is_a_runtime_error() -> None:
    """A future refuses a `StopIteration`; a coroutine turns its own into a `RuntimeError`,
    and the runtime does the same for one a plain call raised, naming the actor."""
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        ref = await system.spawn(PlainReceive, name="p")
        with pytest.raises(RuntimeError, match="receive of /p raised StopIteration") as failed:
            await ref.ask("stop iteration")
        assert type(failed.value.__cause__) is StopIteration
        assert await ref.ask("after") == "after"
        await assert_settled(system)


class Plain(Actor):
    """No hooks: dormant until its first message or signal, restarted in place."""

    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise ValueError("crash")
        return message


@asynccontextmanager
async def dormant_in_backoff(clock: ManualClock) -> AsyncIterator[tuple[ActorSystem, Any]]:
    """A system with `b` dormant (never sent anything) and restarting, stopped in place by a
    sibling's `one_for_all` restart and waiting out its backoff: not an idle leaf, so its stop
    from outside is a signal, the first thing that wakes it."""
    backoff = Backoff(min=5, max=5, jitter=0.0)
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock) as system:
        sup = await system.spawn(
            Supervisor,
            [ChildSpec(Plain, name="a"), ChildSpec(Plain, name="b")],
            OneForAll(backoff=backoff),
        )
        a, b = system.lookup(f"{sup.path}/a"), system.lookup(f"{sup.path}/b")
        assert a is not None and b is not None
        a.tell("crash")
        cell = b._cell
        while cell.state != "restarting":
            await asyncio.sleep(0)
        assert cell.task is None and not cell.idle_leaf
        yield system, b
        await sup.stop()
        assert system.accounting().balanced


async def test_a_dormant_actors_stop_whose_task_is_cancelled_before_it_began(
    clock: ManualClock,
) -> None:
    """The stop makes its task, and the end of `asyncio.run` may cancel it before its first
    step: the stop watches it, and closes the actor when it ends (api.md, "Stopping")."""
    async with dormant_in_backoff(clock) as (_, b):
        stopping = asyncio.ensure_future(b.stop())
        await asyncio.sleep(0)  # the stop posted, the task made
        task = b._cell.task
        assert task is not None and not task.done()
        task.cancel()
        async with asyncio.timeout(1):
            await stopping
        assert not b.is_alive


async def test_a_message_behind_the_stop_that_woke_a_dormant_actor(clock: ManualClock) -> None:
    """The stop's wake-up made its task: a message told before it begins wakes nothing more
    (one task, none left once stopped) and is a dead letter behind the stop."""
    async with dormant_in_backoff(clock) as (system, b):
        tasks = TaskSnapshot()
        stopping = asyncio.ensure_future(b.stop())
        await asyncio.sleep(0)
        task = b._cell.task
        assert task is not None and not begun(task)
        b.tell("behind the stop")
        assert b._cell.task is task
        await stopping
        assert system.dead_letters.count == 1
        await tasks.assert_no_leaks()


class Held(Actor):
    async def receive(self, message: Any) -> Any:
        return message


async def test_an_idle_actors_stop_from_outside_ends_it_as_asked() -> None:
    """The idle leaf's stop, a close and no signal: no task made for a dormant actor, the
    instance let go, and the watchers told of a stop asked for (no reason)."""
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        probe = await Probe.spawn(system)
        watcher = await system.spawn(Watcher, probe.ref)
        dormant, parked = await system.spawn(Held), await system.spawn(Held)
        assert await parked.ask("hi") == "hi"
        instances = [weakref.ref(ref._cell.instance) for ref in (dormant, parked)]
        for ref in (dormant, parked):
            await watcher.ask(ref)
        before = asyncio.all_tasks()
        await dormant.stop()
        assert asyncio.all_tasks() == before  # its close woke no task into being
        await parked.stop()
        gc.collect()
        assert [instance() for instance in instances] == [None, None]
        for ref in (dormant, parked):
            ended = await probe.receive()
            assert isinstance(ended, Terminated) and ended.ref == ref and ended.reason is None
        await assert_settled(system)


def steps_after(loop: asyncio.AbstractEventLoop, coro: Any, **options: Any) -> asyncio.Task[Any]:
    """A task factory whose task takes a step of its own after the actor's body returned,
    as one that reports every task's end might."""

    async def wrapper() -> Any:
        try:
            return await coro
        finally:
            await asyncio.sleep(0)

    options.pop("eager_start", None)
    return asyncio.Task(wrapper(), loop=loop, **options)


async def test_an_idle_actors_stop_returns_once_its_task_ended_however_long_it_takes() -> None:
    """The woken task ends in a step in the usual case; one that takes more is waited for,
    and a stop given up meanwhile leaves it to end, not cancelled."""
    loop = asyncio.get_running_loop()
    loop.set_task_factory(steps_after)
    try:
        async with asyncio.timeout(BOUND), ActorSystem() as system:
            waited, left = await system.spawn(Held), await system.spawn(Held)
            assert await waited.ask("hi") == "hi" and await left.ask("hi") == "hi"
            task = waited._cell.task
            assert task is not None
            await waited.stop()
            assert task.done() and not task.cancelled()
            task = left._cell.task
            assert task is not None
            stopping = asyncio.ensure_future(left.stop())
            for _ in range(2):  # the stop closed it, and waits on the task's second step
                await asyncio.sleep(0)
            assert not stopping.done() and not task.done()
            stopping.cancel()
            await asyncio.wait([stopping, task])
            assert not left.is_alive and not task.cancelled()
    finally:
        loop.set_task_factory(None)


class FailsWithOnStop(FailsWhenLetGo):
    """With an `on_stop`, its stop runs in its task (`Stop.run`), not at once."""

    async def on_stop(self) -> None:
        self.holding.clear()


class HoldsOneWithOnStop(Actor):
    async def receive(self, message: Any) -> Any:
        return await self.spawn(FailsWithOnStop, *message, name="c")


async def test_a_child_with_on_stop_failing_while_its_supervisor_stops_ends_of_its_failure(
    clock: ManualClock,
) -> None:
    """Nobody decides on the failure, which stops it: its watchers are told it ended of that
    failure, as they are of a child with no `on_stop` (`test_mutants_lifecycle`)."""
    gate, holding = asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock) as system:
        parent = await system.spawn(HoldsOneWithOnStop, name="p")
        child = await parent.ask((gate, holding))
        child.tell("hold")
        await holding.wait()
        probe = await Probe.spawn(system)
        await system.spawn(Watches, probe, child)
        stopping = asyncio.ensure_future(parent.stop())
        await clock.settle()  # the supervisor's stop began: it awaits its child's
        gate.set()
        await stopping
        terminated = await probe.expect(Terminated)
        assert terminated.ref == child and isinstance(terminated.reason, RuntimeError)
        assert not holding.is_set()  # its `on_stop` ran


class Named:
    """A base after `Actor` that takes the arguments: `Actor.__init__` passes them on."""

    def __init__(self, label: str = "unset") -> None:
        self.given = label


class MixedIn(Actor, Named):
    async def receive(self, message: Any) -> Any:
        return self.given


async def test_arguments_reach_a_base_after_actor_positional_or_keyword() -> None:
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        by_position = await system.spawn(MixedIn, "first")
        by_keyword = await system.spawn(MixedIn, label="second")
        assert await by_position.ask("?") == "first"
        assert await by_keyword.ask("?") == "second"


async def test_an_actor_whose_task_was_cancelled_before_it_began_loses_nothing() -> None:
    """Its task ran none of its loop, so it handles nothing until stopped (api.md,
    "Stopping"): what is sent meanwhile is counted as queued, an ask fails within its own
    timeout, and the stop closes it, its queue dead letters."""
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        ref = await system.spawn(Held)
        ref.tell("wakes it")  # makes its task, which has not begun
        task = ref._cell.task
        assert task is not None
        task.cancel()
        await asyncio.wait([task])
        ref.tell("meanwhile")
        with pytest.raises(AskTimeout):
            await ref.ask("asked", timeout=0.05)
        assert system.accounting().balanced and system.accounting().queued == 3
        await ref.stop()
        assert not ref.is_alive and system.dead_letters.count == 3
        assert system.accounting().balanced
