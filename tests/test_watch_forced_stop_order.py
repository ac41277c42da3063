"""What a forcibly stopped actor's `on_stop` sends its watcher comes before its `Terminated`.

docs/api.md §9: `Terminated` is queued behind everything the watched actor itself sent the
watcher before it stopped, "whether it stopped itself, failed, or was stopped orderly or
forcibly" (Erlang's `DOWN` after the last message; Akka sends `Terminated` after `postStop`).
A forced stop closes the actor at once and runs its `on_stop` as its cancelled task unwinds:
its watchers are told once that `on_stop` has ended, or been cut short past the grace."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from actorkit import Actor, ActorRef, ActorSystem, Terminated
from actorkit.testing import FORCED_STOP_GRACE


class Watched(Actor):
    """Busy for ever on a "hang" event, which it sets; its `on_stop` tells each watcher that
    asked `"bye"`, after waiting for `release` (if given) and a few loop turns."""

    def __init__(self, release: asyncio.Event | None = None, *, hang_on_stop: bool = False):
        self.release = release
        self.hang_on_stop = hang_on_stop
        self.told: list[ActorRef] = []

    async def receive(self, message: Any) -> None:
        if isinstance(message, ActorRef):
            self.told.append(message)
        elif isinstance(message, asyncio.Event):
            message.set()
            await asyncio.Event().wait()

    async def on_stop(self) -> None:
        if self.release is not None:
            await self.release.wait()
        for _ in range(3):
            await asyncio.sleep(0)
        for watcher in self.told:
            watcher.tell("bye")
        if self.hang_on_stop:
            await asyncio.Event().wait()


class Watcher(Actor):
    """Watches the ref it is sent; records the rest, `Terminated` by its type."""

    def __init__(self, got: list[Any], done: asyncio.Event) -> None:
        self.got, self.done = got, done

    async def receive(self, message: Any) -> None:
        if isinstance(message, ActorRef):
            self.watch(message)
            return
        self.got.append("Terminated" if isinstance(message, Terminated) else message)
        if isinstance(message, Terminated):
            self.done.set()


async def watched_by_one(system: ActorSystem, target: ActorRef) -> tuple[list[Any], asyncio.Event]:
    got: list[Any] = []
    done = asyncio.Event()
    watcher = await system.spawn(Watcher, got, done)
    await watcher.ask(target)  # watching from here on
    await target.ask(watcher)  # told "bye" by its `on_stop`
    return got, done


async def busy(target: ActorRef) -> None:
    """Once this returns, `target` is in a handler that never returns: only a forced stop
    ends it (a stop signal queued ahead of the message would stop it orderly)."""
    hanging = asyncio.Event()
    target.tell(hanging)
    await hanging.wait()


async def test_a_stop_forced_at_once_orders_on_stop_messages_first() -> None:
    async with asyncio.timeout(10), ActorSystem() as system:
        target = await system.spawn(Watched)
        got, done = await watched_by_one(system, target)
        await busy(target)
        await target.stop(timeout=0)
        await done.wait()
        assert got == ["bye", "Terminated"]


async def test_a_stop_forced_past_its_timeout_orders_on_stop_messages_first() -> None:
    async with asyncio.timeout(10), ActorSystem() as system:
        target = await system.spawn(Watched)
        got, done = await watched_by_one(system, target)
        await busy(target)
        await target.stop(timeout=0.01)
        await done.wait()
        assert got == ["bye", "Terminated"]


async def test_a_shutdown_past_its_timeout_orders_on_stop_messages_first() -> None:
    """The watcher in a system of its own on the loop: within one, a shutdown forced on the
    watched actor is forced on its watchers as well."""
    async with asyncio.timeout(10), ActorSystem("watching") as watching:
        stopping = ActorSystem("stopping")
        async with stopping:
            target = await stopping.spawn(Watched)
            got, done = await watched_by_one(watching, target)
            await busy(target)
            await stopping.shutdown(timeout=0.01)
        await done.wait()
        assert got == ["bye", "Terminated"]


async def test_a_normal_stop_orders_on_stop_messages_first() -> None:
    async with asyncio.timeout(10), ActorSystem() as system:
        target = await system.spawn(Watched)
        got, done = await watched_by_one(system, target)
        await target.stop()
        await done.wait()
        assert got == ["bye", "Terminated"]


async def test_a_watch_begun_while_the_on_stop_runs_hears_of_the_stop_after_it() -> None:
    """Closed, its `on_stop` still running: a new watcher is told with the others, not at once
    ahead of what that `on_stop` sends it."""
    release = asyncio.Event()
    async with asyncio.timeout(10), ActorSystem() as system:
        target = await system.spawn(Watched, release)
        got: list[Any] = []
        done = asyncio.Event()
        late = await system.spawn(Watcher, got, done)
        await target.ask(late)
        await busy(target)
        stopping = asyncio.create_task(target.stop(timeout=0))
        while "stopped" not in repr(target):
            await asyncio.sleep(0)
        await late.ask(target)  # watches the closed actor whose `on_stop` waits
        release.set()
        await stopping
        await done.wait()
        assert got == ["bye", "Terminated"]


async def test_an_on_stop_cut_short_past_the_grace_still_ends_in_terminated() -> None:
    async with asyncio.timeout(10 + 2 * FORCED_STOP_GRACE), ActorSystem() as system:
        target = await system.spawn(Watched, hang_on_stop=True)
        got, done = await watched_by_one(system, target)
        await busy(target)
        await target.stop(timeout=0)
        await done.wait()
        assert got == ["bye", "Terminated"]


class Stubborn(Actor):
    """Its handler swallows every cancellation until `release` is set: a forced stop cannot
    end it, and its `on_stop` cannot run before that."""

    async def receive(self, message: Any) -> None:
        if isinstance(message, tuple):
            hanging, release = message
            hanging.set()
            while not release.is_set():
                with contextlib.suppress(asyncio.CancelledError):
                    await release.wait()


async def test_a_task_ignoring_its_cancellation_delays_terminated_by_the_grace_only() -> None:
    release = asyncio.Event()  # set on the way out whatever happens: the task then ends
    async with asyncio.timeout(10 + 2 * FORCED_STOP_GRACE), ActorSystem() as system:
        target = await system.spawn(Stubborn)
        got: list[Any] = []
        done = asyncio.Event()
        watcher = await system.spawn(Watcher, got, done)
        await watcher.ask(target)
        hanging = asyncio.Event()
        target.tell((hanging, release))
        await hanging.wait()
        try:
            await target.stop(timeout=0)  # returns past the grace, the task abandoned
            await asyncio.wait_for(done.wait(), 2 * FORCED_STOP_GRACE)
            assert got == ["Terminated"]
        finally:
            release.set()


class GoodbyeWhenCut(Actor):
    """Idle, so a stop runs its `on_stop` orderly; that `on_stop` waits for ever and tells
    each watcher that asked `"bye"` as the forced stop cuts it."""

    def __init__(self) -> None:
        self.told: list[ActorRef] = []

    async def receive(self, message: Any) -> None:
        self.told.append(message)

    async def on_stop(self) -> None:
        try:
            await asyncio.Event().wait()
        finally:
            for watcher in self.told:
                watcher.tell("bye")


async def test_a_stop_forced_while_on_stop_runs_orders_on_stop_messages_first() -> None:
    async with asyncio.timeout(10), ActorSystem() as system:
        target = await system.spawn(GoodbyeWhenCut)
        got, done = await watched_by_one(system, target)
        await target.stop(timeout=0.01)
        await done.wait()
        assert got == ["bye", "Terminated"]


async def test_a_shutdown_forced_while_on_stop_runs_orders_on_stop_messages_first() -> None:
    async with asyncio.timeout(10), ActorSystem("watching") as watching:
        stopping = ActorSystem("stopping")
        async with stopping:
            target = await stopping.spawn(GoodbyeWhenCut)
            got, done = await watched_by_one(watching, target)
            await stopping.shutdown(timeout=0.01)
        await done.wait()
        assert got == ["bye", "Terminated"]
