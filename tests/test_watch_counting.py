"""Death watch counts as Akka's does, not as OTP's monitors (docs/api.md §3): an actor watched
twice is one watch, with one `Terminated`, and one `unwatch` ends it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorRef, ActorSystem, Terminated
from actorkit.testing import ManualClock


class Quiet(Actor):
    async def receive(self, message: Any) -> None:
        return None


class Watcher(Actor):
    def __init__(self, got: list[Terminated]) -> None:
        self.got = got

    async def receive(self, message: Any) -> None:
        if isinstance(message, Terminated):
            self.got.append(message)
            return
        verb, ref = message
        for _ in range(2):
            self.watch(ref)
        if verb == "watch twice, unwatch once":
            self.unwatch(ref)


@pytest.mark.parametrize(("verb", "told"), [("watch twice", 1), ("watch twice, unwatch once", 0)])
async def test_a_second_watch_is_no_second_monitor(verb: str, told: int) -> None:
    clock = ManualClock()
    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        got: list[Terminated] = []
        watcher = await system.spawn(Watcher, got)
        watched: ActorRef = await system.spawn(Quiet)
        await watcher.ask((verb, watched))
        await watched.stop()
        await clock.settle()
        assert [t.ref for t in got] == [watched] * told
