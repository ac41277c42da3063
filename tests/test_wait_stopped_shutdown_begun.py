"""`await system.wait_stopped()` when a failure past the root and a shutdown meet: the
failure's stop of the actors ends the waits only when no shutdown has begun by then (docs/api.md
§1). When one has (an actor's exit's, or the owner's), its waiters are woken once it has
finished, the store and the transports closed: they were woken as the actors' stop ended, and
the exit was raised to them while its shutdown was still closing the store."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import actorkit
from actorkit import Actor, ActorSystem, OneForOne
from actorkit.persistence import MemoryStore

BOUND = 10.0


class SlowToClose(MemoryStore):
    """Its close waits for `gate`, which the test opens once the close began."""

    def __init__(self) -> None:
        super().__init__()
        self.began, self.gate = asyncio.Event(), asyncio.Event()
        self.closed = False

    async def close(self) -> None:
        self.began.set()
        await self.gate.wait()
        await super().close()
        self.closed = True


async def opened_once_closing(store: SlowToClose) -> None:
    await store.began.wait()
    store.gate.set()


class Crash(Actor):
    async def receive(self, message: Any) -> None:
        raise ValueError("past the root")


class ExitsOnStop(Actor):
    def __init__(self, error: BaseException) -> None:
        self.error = error

    async def receive(self, message: Any) -> None:
        pass

    async def on_stop(self) -> None:
        raise self.error


class Lingers(Actor):
    def __init__(self, stopping: asyncio.Event, release: asyncio.Event) -> None:
        self.stopping, self.release = stopping, release

    async def receive(self, message: Any) -> None:
        pass

    async def on_stop(self) -> None:
        self.stopping.set()
        await self.release.wait()


def escalating(store: SlowToClose) -> ActorSystem:
    return ActorSystem("ended", store=store, supervisor=OneForOne(decider=lambda error: "escalate"))


async def owner(error: BaseException, store: SlowToClose, seen: list[object]) -> None:
    """A failure past the root stops the actors; one of them exits as it stops, which begins
    a shutdown. What the wait ended with goes in `seen`: an assertion failing in here would be
    lost under the exit that leaves the loop after it."""
    system = escalating(store)
    async with asyncio.timeout(BOUND):
        await system.start()
        await system.spawn(ExitsOnStop, error)
        (await system.spawn(Crash)).tell("go")
        opening = asyncio.create_task(opened_once_closing(store))
        try:
            await system.wait_stopped()
        except BaseException as raised:
            seen.extend([raised, store.closed, system.failure])
            raise
        finally:
            await opening
        seen.append("returned")
        await asyncio.Event().wait()  # only the exit, from the loop's callback, ends it


@pytest.mark.parametrize("error", [SystemExit(3), KeyboardInterrupt()], ids=repr)
@pytest.mark.parametrize("uvloop", [False, True], ids=["asyncio", "uvloop"])
def test_an_exit_during_a_failures_stop_is_raised_once_its_shutdown_closed_the_store(
    error: BaseException, uvloop: bool
) -> None:
    store = SlowToClose()
    seen: list[object] = []
    with pytest.raises(type(error)) as exited:
        actorkit.run(owner(error, store, seen), uvloop=uvloop)
    assert exited.value is error
    assert seen[:2] == [error, True], "woken before the exit's shutdown closed the store"
    assert isinstance(seen[2], ValueError)


async def test_a_shutdown_begun_during_a_failures_stop_is_waited_for_whole() -> None:
    store = SlowToClose()
    stopping, release = asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(BOUND):
        system = escalating(store)
        await system.start()

        async def waits() -> bool:
            await system.wait_stopped()
            return store.closed

        waiter = asyncio.create_task(waits())
        await system.spawn(Lingers, stopping, release)
        (await system.spawn(Crash)).tell("go")
        await stopping.wait()  # the failure's stop of the actors is under way
        shutdown = asyncio.create_task(system.shutdown())
        release.set()  # the shutdown begins first: its task was made before this wake-up
        await opened_once_closing(store)
        assert await waiter, "woken before the shutdown closed the store"
        await shutdown
        assert isinstance(system.failure, ValueError)
