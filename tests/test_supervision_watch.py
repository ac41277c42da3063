"""Death watch: Terminated delivered once, with its reason, in the order watched (API 9)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorRef, ActorStopped, ActorSystem, Terminated
from actorkit.testing import Probe

from .supervision_support import Worker


async def test_watch_delivers_terminated_once_with_reason() -> None:
    async with ActorSystem() as system:
        probe = await Probe.spawn(system)
        journal: list[str] = []
        target = await system.spawn(Worker, journal, "t", restart="temporary")

        class Watcher(Actor):
            async def on_start(self) -> None:
                self.watch(target)
                self.watch(target)  # watching twice still delivers once

            async def receive(self, message: Any) -> None:
                probe.ref.tell(message)

        await system.spawn(Watcher)
        with pytest.raises(RuntimeError):
            await target.ask("crash")
        terminated = await probe.expect(Terminated)
        assert terminated.ref == target
        assert isinstance(terminated.reason, RuntimeError)
        await system.ask(probe.ref.path, "sync")
        assert await probe.receive() == "sync"
        probe.expect_empty()


async def test_watch_of_a_dead_actor_delivers_at_once_and_unwatch_stops_delivery() -> None:
    async with ActorSystem() as system:
        probe = await Probe.spawn(system)
        dead = await system.spawn(Worker, [], "d")
        await dead.stop()
        alive = await system.spawn(Worker, [], "a")

        class Watcher(Actor):
            async def receive(self, message: Any) -> None:
                if message == "watch":
                    self.watch(dead)
                    self.watch(alive)
                    self.unwatch(alive)
                else:
                    probe.ref.tell(message)

        watcher = await system.spawn(Watcher)
        await watcher.ask("watch")
        terminated = await probe.expect(Terminated)
        assert terminated.ref == dead and terminated.reason is None
        await alive.stop()
        await watcher.ask("sync")
        assert await probe.receive() == "sync"
        probe.expect_empty()


async def test_watchers_hear_of_a_stop_in_the_order_they_watched() -> None:
    """Not in the memory order of their cells: a chaos seed must replay the same."""
    heard: list[int] = []
    all_heard = asyncio.Event()

    class Watcher(Actor):
        def __init__(self, number: int, target: ActorRef) -> None:
            self.number = number
            self.watch(target)

        async def receive(self, message: Any) -> None:
            heard.append(self.number)  # each wakes in the order it was delivered to
            if len(heard) == 20:
                all_heard.set()

    async with asyncio.timeout(10), ActorSystem(metrics=False) as system:
        target = await system.spawn(Worker, [], "t")
        for number in range(20):
            await system.spawn(Watcher, number, target)
        await target.stop()
        await all_heard.wait()
    assert heard == list(range(20))


async def test_watching_a_dead_actor_twice_before_its_terminated_is_handled_delivers_once() -> None:
    async with asyncio.timeout(5), ActorSystem() as system:
        probe = await Probe.spawn(system)
        dead = await system.spawn(Worker, [], "d")
        await dead.stop()

        class Watcher(Actor):
            async def receive(self, message: Any) -> None:
                if message == "watch":
                    self.watch(dead)
                    self.watch(dead)  # its `Terminated` is queued already: no new watch
                else:
                    probe.ref.tell(message)

        watcher = await system.spawn(Watcher)
        await watcher.ask("watch")
        assert (await probe.expect(Terminated)).ref == dead
        await watcher.ask("sync")
        assert await probe.receive() == "sync"
        probe.expect_empty()


async def test_a_restart_keeps_the_queued_terminated_of_a_watched_actor_not_its_child() -> None:
    """A restart withdraws its children's news only: a watch of another actor is the
    cell's, and the new instance hears of that actor's stop."""
    async with asyncio.timeout(5), ActorSystem() as system:
        probe = await Probe.spawn(system)
        other = await system.spawn(Worker, [], "x")
        gate = asyncio.Event()

        class Watcher(Actor):
            async def receive(self, message: Any) -> None:
                if message == "watch":
                    self.watch(other)
                elif message == "fail":
                    await gate.wait()
                    raise RuntimeError("on purpose")
                else:
                    probe.ref.tell(message)

        watcher = await system.spawn(Watcher)
        await watcher.ask("watch")
        watcher.tell("fail")
        await other.stop()  # its `Terminated` queues behind the failing message
        gate.set()
        assert (await probe.expect(Terminated)).ref == other


async def test_a_stopped_actor_cannot_watch_and_holds_no_watch() -> None:
    """Its stop ended its watches; one begun after it would never be heard (the `Terminated`
    could only be a dead letter) and would keep the stopped actor in the target's watchers."""
    async with ActorSystem() as system:
        target = await system.spawn(Worker, [], "t")
        gone = await system.spawn(Worker, [], "gone")
        instances: list[Actor] = []

        class Watcher(Actor):
            async def on_start(self) -> None:
                instances.append(self)

        watcher = await system.spawn(Watcher, name="watcher")
        await watcher.stop()
        await gone.stop()
        for ref in (target, gone):
            with pytest.raises(ActorStopped, match=r"^/watcher is stopped and cannot watch /"):
                instances[0].watch(ref)
        await target.stop()
        assert system.dead_letters.count == 0
