"""Watchers of `actorkit.dead_letters`: each undelivered message is counted once, however its
copies for the watchers end."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import DEAD_LETTER_TOPIC, Actor, ActorSystem


class Held(Actor):
    """Holds its first message until released, then stops, so what arrived meanwhile is
    still queued when it stops."""

    def __init__(self, holding: asyncio.Event, release: asyncio.Event) -> None:
        self.holding, self.release = holding, release

    async def receive(self, message: Any) -> Any:
        if message == "hold":
            self.holding.set()
            await self.release.wait()
            self.stop()
        return None


class Sink(Actor):
    async def receive(self, message: Any) -> Any:
        return None


async def test_a_copy_queued_at_a_watcher_that_stops_is_no_second_dead_letter() -> None:
    """The copy is not a message of its own: a dead letter about it would count the same lost
    message twice (and, between two stopping watchers, pass copies of copies back and forth)."""
    holding, release = asyncio.Event(), asyncio.Event()
    async with ActorSystem() as system:
        watcher = await system.spawn(Held, holding, release, restart="temporary")
        system.subscribe(watcher, DEAD_LETTER_TOPIC)
        watcher.tell("hold")
        await holding.wait()
        gone = await system.spawn(Sink)
        await gone.stop()
        gone.tell("lost")  # one dead letter; its copy waits in the held watcher's mailbox
        release.set()
        await watcher.stop()
        assert [(d.message, d.reason) for d in system.dead_letters.recent] == [("lost", "stopped")]
        assert system.dead_letters.count == 1
        assert system.accounting().dead_lettered == 1  # the watcher's copy, in its own books
