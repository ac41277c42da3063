"""An `on_start` that failed, whose cleanup (stopping the children it spawned) a forced stop
cuts (a shutdown's timeout, `ref.stop(timeout=...)`): the failure is not lost. At spawn, the
`spawn` caller's `ActorStopped` is caused by it; in a restart, it is logged and counted (API
§9, "Supervision": every failure is logged and counted once, also one no decision was taken
on); and the actor's watchers get it as `Terminated.reason`."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from actorkit import Actor, ActorRef, ActorStopped, ActorSystem, Terminated

from .exception_kinds_support import failures


class Lingers(Actor):
    """Its `on_stop` never returns: only a forced stop ends it."""

    def __init__(self, stopping: asyncio.Event) -> None:
        self.stopping = stopping

    async def receive(self, message: Any) -> Any:
        return message

    async def on_stop(self) -> None:
        self.stopping.set()
        await asyncio.Event().wait()


class FailsAfterSpawning(Actor):
    """Its `on_start` (the first, or the `fail_at`-th) spawns a `Lingers`, then fails; its
    ref goes to `watcher` from `__init__` on. "crash" fails a running instance."""

    starts = 0

    def __init__(self, stopping: asyncio.Event, watcher: ActorRef, fail_at: int) -> None:
        self.stopping = stopping
        self.fail_at = fail_at
        watcher.tell(self.ref)

    async def on_start(self) -> None:
        type(self).starts += 1
        if type(self).starts == self.fail_at:
            await self.spawn(Lingers, self.stopping, name="child")
            raise KeyError("on_start failed")

    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise ValueError("crashed on purpose")
        return message


class Watcher(Actor):
    def __init__(self) -> None:
        self.heard: list[Terminated] = []

    async def receive(self, message: Any) -> Any:
        if isinstance(message, ActorRef):
            self.watch(message)
        elif isinstance(message, Terminated):
            self.heard.append(message)
        return self.heard


async def test_a_forced_shutdown_leaves_spawn_the_failure_of_on_start() -> None:
    stopping = asyncio.Event()
    async with asyncio.timeout(5):
        system = await ActorSystem().start()
        watcher = await system.spawn(Watcher, name="watcher")
        FailsAfterSpawning.starts = 0
        spawning = asyncio.ensure_future(
            system.spawn(FailsAfterSpawning, stopping, watcher, 1, name="x")
        )
        await stopping.wait()  # on_start failed, and its child's stop hangs
        await system.shutdown(timeout=0.05)
        with pytest.raises(ActorStopped) as raised:
            await spawning
        assert isinstance(raised.value.__cause__, KeyError)
        assert "/x" in str(raised.value) and "failed on_start" in str(raised.value)


async def test_a_forced_stop_leaves_spawn_the_failure_of_on_start() -> None:
    stopping = asyncio.Event()
    async with asyncio.timeout(5), ActorSystem() as system:
        watcher = await system.spawn(Watcher, name="watcher")
        FailsAfterSpawning.starts = 0
        spawning = asyncio.ensure_future(
            system.spawn(FailsAfterSpawning, stopping, watcher, 1, name="x")
        )
        await stopping.wait()
        ref = system.lookup("/x")
        assert ref is not None
        await ref.stop(timeout=0.05)
        with pytest.raises(ActorStopped) as raised:
            await spawning
        assert isinstance(raised.value.__cause__, KeyError)
        heard = await watcher.ask("sync")
        assert [type(news.reason) for news in heard] == [KeyError]


async def test_a_failed_restart_cut_by_a_forced_stop_is_logged_and_counted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stopping = asyncio.Event()
    async with asyncio.timeout(5), ActorSystem() as system:
        watcher = await system.spawn(Watcher, name="watcher")
        FailsAfterSpawning.starts = 0
        ref = await system.spawn(FailsAfterSpawning, stopping, watcher, 2, name="x")
        ref.tell("crash")  # the restart's on_start spawns the child, then fails
        await stopping.wait()
        with caplog.at_level(logging.ERROR, logger="actorkit"):
            await ref.stop(timeout=0.05)
        assert failures(system, "FailsAfterSpawning", "KeyError") == 1
        assert any("KeyError" in record.getMessage() for record in caplog.records)
        heard = await watcher.ask("sync")
        assert [type(news.reason) for news in heard] == [KeyError]
