"""What a ref to a stopped actor keeps: its cell lets go of the containers only a live actor
uses (its queue, its signals, its children, its spawn arguments), so that thousands of held
refs (a user's dict, a pending `schedule_once`, a benchmark's list) cost little memory and
little of the collector's time. What replaces them refuses any put: nothing sent to the
stopped actor is lost silently, as before the release."""

from __future__ import annotations

import asyncio
import gc
import tracemalloc
import weakref
from collections.abc import Callable
from typing import Any

import pytest

from actorkit import Actor, ActorRef, ActorStopped, ActorSystem, NotDelivered, Terminated
from actorkit._signals import Stop
from actorkit.testing import ManualClock

pytestmark = pytest.mark.timeout(20)

ACTORS = 2000


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        return message


class Given(Echo):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.given = (args, kwargs)


class Parent(Given):
    async def on_start(self) -> None:
        await self.spawn(Echo, name="child")

    async def receive(self, message: Any) -> Any:
        return message


async def _stopped(system: ActorSystem, factory: type[Actor] = Echo, **kwargs: Any) -> ActorRef:
    ref = await system.spawn(factory, **kwargs)
    await ref.ask("hello")
    await ref.stop()
    return ref


async def test_a_held_ref_to_a_stopped_actor_keeps_under_800_bytes() -> None:
    async with ActorSystem("stale") as system:
        held: list[ActorRef] = []
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.take_snapshot()
            for _ in range(ACTORS):
                held.append(await _stopped(system, Given, a=1))
            gc.collect()
            after = tracemalloc.take_snapshot()
        finally:
            tracemalloc.stop()
        grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
        # The cell, its mailbox, the ref and the name and path strings: the queue's deque alone
        # was 760 bytes more, and the spawn arguments, signals list and children 180.
        assert grown / ACTORS < 800, grown / ACTORS
        assert len(held) == ACTORS


async def test_a_held_ref_to_a_stopped_actor_keeps_three_objects_for_the_collector() -> None:
    async with ActorSystem("stale") as system:
        held: list[ActorRef] = []
        for _ in range(10):  # whatever the system makes once (its kinds, its tables) first
            held.append(await _stopped(system))
        gc.collect()
        before = len(gc.get_objects())
        for _ in range(ACTORS):
            held.append(await _stopped(system))
        gc.collect()
        tracked = (len(gc.get_objects()) - before) / ACTORS
        # The ref, its cell and its mailbox; the queue and the signals list were two more.
        assert tracked < 3.2, tracked


async def test_the_stopped_cells_containers_are_let_go() -> None:
    async with ActorSystem("stale") as system:
        ref = await system.spawn(Parent, "x", key=[1])
        cell = ref._cell
        mailbox = ref._mailbox
        queue = weakref.ref(mailbox.queue)
        signals_id, children_id, kwargs_id = id(mailbox.signals), id(cell.children), id(cell.kwargs)
        assert cell.children  # its child, stopped before it closes
        await ref.stop()
        assert queue() is None
        assert id(mailbox.signals) != signals_id
        assert id(cell.children) != children_id
        assert id(cell.kwargs) != kwargs_id
        assert cell.args == ()
        other = await _stopped(system)
        # One shared sealed set for every stopped actor: nothing per actor is left.
        assert other._mailbox.queue is mailbox.queue
        assert other._mailbox.signals is mailbox.signals
        assert other._cell.children is cell.children


async def test_the_sealed_containers_refuse_every_put() -> None:
    async with ActorSystem("stale") as system:
        ref = await _stopped(system)
        queue, signals = ref._mailbox.queue, ref._mailbox.signals
        children, kwargs = ref._cell.children, ref._cell.kwargs
        puts: list[Callable[[], object]] = [
            lambda: queue.append(1),
            lambda: queue.appendleft(1),
            lambda: queue.extend([1]),
            lambda: queue.extendleft([1]),
            lambda: queue.insert(0, 1),
            lambda: signals.append(Stop(None)),
            lambda: signals.insert(0, Stop(None)),
            lambda: signals.extend([Stop(None)]),
            lambda: children.__setitem__("a", ref._cell),
            lambda: children.setdefault("a", ref._cell),
            lambda: children.update(a=ref._cell),
            lambda: kwargs.__setitem__("a", 1),
        ]
        for put in puts:
            with pytest.raises(RuntimeError, match="stopped actor"):
                put()
        assert not queue and not signals and not children and not kwargs


async def test_what_reaches_a_stopped_and_released_actor_is_a_dead_letter_or_an_error() -> None:
    clock = ManualClock()
    async with ActorSystem("stale", clock=clock) as system:
        ref = await system.spawn(Echo)
        system.subscribe(ref, "news")
        due = system.schedule_once(1.0, ref, "tick")
        await ref.stop()
        dead = system.dead_letters
        ref.tell("told")
        await ref.send("sent")
        with pytest.raises(NotDelivered):
            await ref.ask("asked")
        assert ref._mailbox.force("forced") is False
        stop = Stop(None)
        stop.done = asyncio.get_running_loop().create_future()
        ref._cell.post(stop)
        assert stop.done.done()  # abandoned at once, not queued in a sealed list
        await clock.advance(2.0)
        assert due is not None
        system.publish("news", "published")
        seen: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

        class Watcher(Actor):
            async def on_start(self) -> None:
                self.watch(ref)

            async def receive(self, message: Any) -> None:
                if not seen.done():
                    seen.set_result(message)

        await system.spawn(Watcher)
        assert isinstance(await asyncio.wait_for(seen, 5), Terminated)
        assert dead.by_reason.get("stopped") == 3, dead.by_reason
        assert [letter.message for letter in dead.recent] == ["told", "sent", "tick", "published"]
        assert dead.by_reason.get("no_subscribers") == 1, dead.by_reason
        with pytest.raises(ActorStopped, match="cannot spawn under"):
            await ref._cell.spawn_child(
                Echo, (), {}, name="late", mailbox_size=10, restart="permanent", capabilities=()
            )
