"""`ref.stop()` of an actor whose task was cancelled before its first step waits for the
`on_stop` run apart (tests/test_stop_waits_for_on_stop_apart.py). A caller that stops
waiting (cancelled, or its own timeout) gives up its wait only: the `on_stop` runs on to
its end, as it does for a caller that gives up on any other actor's stop."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorSystem

from .shutdown_support import BOUND


class HeldStop(Actor):
    """Its `on_stop` waits for `release`, saying how it ended."""

    def __init__(self, entered: asyncio.Event, release: asyncio.Event, ended: list[str]) -> None:
        self.entered = entered
        self.release = release
        self.ended = ended

    async def receive(self, message: Any) -> None:
        pass

    async def on_stop(self) -> None:
        self.entered.set()
        try:
            await self.release.wait()
        except asyncio.CancelledError:
            self.ended.append("cut")
            raise
        self.ended.append("ran to its end")


async def test_a_caller_cancelled_while_waiting_does_not_cut_the_on_stop_apart() -> None:
    entered, release, ended = asyncio.Event(), asyncio.Event(), list[str]()
    system = ActorSystem(metrics=False)
    await system.start()
    try:
        async with asyncio.timeout(BOUND):
            ref = await system.spawn(HeldStop, entered, release, ended, name="actor")
            task = ref._cell.task
            assert task is not None
            task.cancel()  # before its first step: its on_stop runs apart
            await asyncio.wait((task,))
            stopping = asyncio.create_task(ref.stop())
            await entered.wait()
            stopping.cancel()
            await asyncio.wait((stopping,))
            assert stopping.cancelled()
            release.set()
            await system.shutdown(BOUND / 2)  # waits for the on_stop run apart
            assert ended == ["ran to its end"]
    finally:
        await system.shutdown(BOUND / 2)
