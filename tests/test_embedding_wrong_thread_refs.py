"""A ref of a system that runs on an event loop in another thread, handed to this system's
plain calls that would have it told or changed from here: `self.watch(ref)` (its stop would
tell the watcher `Terminated` from the other thread, and the watch changed its watchers from
this one) and `schedule_once` / `schedule_every` (each tick a tell from this loop's thread).
Both are refused with a `RuntimeError` saying where to make them (docs/api.md §1), before
anything changes; before, they were taken, and crossed threads unseen. Refs of another system
on the same loop stay welcome."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from actorkit import Actor, ActorRef, ActorSystem


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        return message


class Watcher(Actor):
    async def receive(self, message: Any) -> Any:
        self.watch(message)
        return "watching"


@asynccontextmanager
async def in_another_thread() -> AsyncIterator[ActorRef]:
    """A ref of system `other`, run by `asyncio.run` in a thread of its own until the block
    ends."""
    ready: asyncio.Future[tuple[ActorRef, asyncio.AbstractEventLoop]] = (
        asyncio.get_running_loop().create_future()
    )
    here = asyncio.get_running_loop()

    async def run() -> None:
        release = asyncio.Event()
        async with ActorSystem("other") as system:
            ref = await system.spawn(Echo, name="echo")
            holder.append(release)  # before the block can end and look for it
            here.call_soon_threadsafe(ready.set_result, (ref, asyncio.get_running_loop()))
            await release.wait()

    holder: list[asyncio.Event] = []
    thread = threading.Thread(target=asyncio.run, args=(run(),))
    thread.start()
    try:
        ref, loop = await ready
        yield ref
    finally:
        if holder:
            loop.call_soon_threadsafe(holder[0].set)
        await asyncio.to_thread(thread.join, 5.0)


def refused(error: pytest.ExceptionInfo[RuntimeError], call: str) -> None:
    said = str(error.value)
    assert call in said and "/echo of actor system 'other'" in said, said
    assert "another event loop" in said, said


async def test_a_watch_of_an_actor_on_another_thread_s_loop_is_refused() -> None:
    async with (
        asyncio.timeout(10),
        in_another_thread() as foreign,
        ActorSystem("app") as system,
    ):
        watcher = await system.spawn(Watcher)
        with pytest.raises(RuntimeError) as raised:
            await watcher.ask(foreign)
        refused(raised, "watch")
        async with ActorSystem("neighbour") as neighbour:  # on this loop: watched as ever
            watcher = await system.spawn(Watcher)
            assert await watcher.ask(await neighbour.spawn(Echo)) == "watching"


@pytest.mark.parametrize("call", ["schedule_once", "schedule_every"])
async def test_a_timer_to_an_actor_on_another_thread_s_loop_is_refused(call: str) -> None:
    async with (
        asyncio.timeout(10),
        in_another_thread() as foreign,
        ActorSystem("app") as system,
    ):
        with pytest.raises(RuntimeError) as raised:
            getattr(system, call)(0.01, foreign, "tick")
        refused(raised, call)
        assert system.dead_letters.count == 0


async def test_a_ref_of_a_system_whose_thread_s_loop_closed_is_taken() -> None:
    """Its loop closed, what the system held stopped with it: no thread is left to cross, and
    the watch and the timer are taken as for any stopped actor's ref."""
    async with asyncio.timeout(10), ActorSystem("app") as system:
        async with in_another_thread() as foreign:
            pass
        assert foreign._cell.runtime.loop.is_closed()  # the thread has ended
        watcher = await system.spawn(Watcher)
        assert await watcher.ask(foreign) == "watching"
        system.schedule_once(0.01, foreign, "tick").cancel()
