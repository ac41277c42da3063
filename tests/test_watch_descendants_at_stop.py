"""An actor that stops for good and watches an actor below its children (a child's child).

docs/api.md §9: an actor that stops gets no `Terminated` of the actors it stops (none is
dead-lettered), as Akka enqueues none at a terminating actor: its stop stops the whole subtree,
the grandchild's stop is no news to an instance that is gone, and a dead letter for it would
count a message nobody sent. One draining at shutdown still handles it, and a `Terminated` of
an actor outside its subtree is queued like any message."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorSystem, Terminated
from actorkit.testing import ManualClock

from .watch_support import terminated_letters


class Leaf(Actor):
    async def receive(self, message: Any) -> None:
        return None


class Middle(Actor):
    async def on_start(self) -> None:
        await self.spawn(Leaf, name="leaf")

    async def receive(self, message: Any) -> None:
        return None


class Top(Actor):
    """Watches its grandchild `/top/mid/leaf`; records what it handles."""

    def __init__(self, handled: list[Any]) -> None:
        self.handled = handled

    async def on_start(self) -> None:
        await self.spawn(Middle, name="mid")
        leaf = self.system.lookup("/top/mid/leaf")
        assert leaf is not None
        self.watch(leaf)

    async def receive(self, message: Any) -> None:
        self.handled.append(message)
        if message == "hang":
            await asyncio.Event().wait()
        if message == "crash":
            raise ValueError("fails on purpose: a restart")
        if isinstance(message, tuple):
            self.watch(message[1])


async def test_an_orderly_stop_dead_letters_no_terminated_of_a_grandchild(
    clock: ManualClock,
) -> None:
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        handled: list[Any] = []
        top = await system.spawn(Top, handled, name="top")
        await top.stop()
        await clock.settle()
        assert (terminated_letters(system), system.dead_letters.count) == ([], 0)
        assert system.accounting().balanced


async def test_a_forced_stop_dead_letters_no_terminated_of_a_grandchild(
    clock: ManualClock,
) -> None:
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        handled: list[Any] = []
        top = await system.spawn(Top, handled, name="top")
        top.tell("hang")
        await clock.settle()
        await top.stop(timeout=0)
        await clock.settle()
        assert terminated_letters(system) == []
        assert system.dead_letters.by_reason == {"stopping": 1}  # the message in hand only
        assert system.accounting().balanced


async def test_a_draining_shutdown_still_hands_it_the_terminated_of_a_grandchild() -> None:
    handled: list[Any] = []
    async with asyncio.timeout(10):
        system = ActorSystem()
        async with system:
            await system.spawn(Top, handled, name="top")
        assert [type(m) for m in handled] == [Terminated]
        assert system.dead_letters.count == 0


async def test_the_terminated_of_an_actor_outside_its_subtree_is_queued_like_a_message(
    clock: ManualClock,
) -> None:
    """Not one it stops: queued when it came, dead-lettered with the rest of its queue."""
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        handled: list[Any] = []
        other = await system.spawn(Leaf, name="other")
        top = await system.spawn(Top, handled, name="top")
        top.tell(("watch", other))
        top.tell("hang")
        await clock.settle()
        await other.stop()  # its `Terminated` waits behind the message in hand
        await top.stop(timeout=0)
        await clock.settle()
        assert [(d.message.ref, d.reason) for d in terminated_letters(system)] == [
            (other, "stopping")
        ]


async def test_a_restart_leaves_the_watch_of_a_grandchild_to_the_new_instance(
    clock: ManualClock,
) -> None:
    """Akka's `preRestart` unwatches the children only: the new instance hears of the old
    grandchild, which the restart stopped with its parent."""
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        handled: list[Any] = []
        top = await system.spawn(Top, handled, name="top")
        old_leaf = system.lookup("/top/mid/leaf")
        top.tell("crash")
        await clock.settle()
        assert [m.ref for m in handled if isinstance(m, Terminated)] == [old_leaf]
        assert system.dead_letters.count == 0
