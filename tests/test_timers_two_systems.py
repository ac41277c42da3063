"""A `schedule_every` of one system to an actor of another on the same loop: the timer
follows its target's stop (`TimerQueue.follow`), and that hook must not outlive the timer. Once
the scheduling system has shut down, nothing of it is kept alive by the other system's actor,
whether that actor still runs or has stopped with a ref to it still held."""

from __future__ import annotations

import asyncio
import gc
import weakref
from typing import Any

from actorkit import Actor, ActorSystem


class Sink(Actor):
    async def receive(self, message: Any) -> None:
        return None


async def gone_once_shut_down(neighbour: ActorSystem, *, cancel: bool) -> weakref.ref[Any]:
    """A system that scheduled a periodic tick to an actor of `neighbour`, shut down and
    dropped: a weak reference to it."""
    sink = await neighbour.spawn(Sink, name="sink")
    scheduling = ActorSystem("scheduling")
    async with scheduling:
        handle = scheduling.schedule_every(10.0, sink, "tick")
        if cancel:
            handle.cancel()
    assert not handle.active  # its shutdown ended the timer
    return weakref.ref(scheduling)


async def test_a_shut_down_system_is_not_kept_by_a_running_target_of_its_timer() -> None:
    async with asyncio.timeout(10), ActorSystem("neighbour") as neighbour:
        scheduling = await gone_once_shut_down(neighbour, cancel=False)
        gc.collect()
        assert scheduling() is None


async def test_a_cancelled_timer_leaves_no_hook_at_its_target() -> None:
    async with asyncio.timeout(10), ActorSystem("neighbour") as neighbour:
        scheduling = await gone_once_shut_down(neighbour, cancel=True)
        gc.collect()
        assert scheduling() is None


async def test_a_stopped_target_held_by_a_ref_keeps_no_system_that_timed_it() -> None:
    async with asyncio.timeout(10), ActorSystem("neighbour") as neighbour:
        sink = await neighbour.spawn(Sink, name="sink")
        scheduling = ActorSystem("scheduling")
        async with scheduling:
            scheduling.schedule_every(10.0, sink, "tick")
            await sink.stop()  # the timer ends with it
        kept = weakref.ref(scheduling)
        del scheduling
        gc.collect()
        assert kept() is None
        assert repr(sink) == "<ActorRef /sink stopped>"  # held to the end
