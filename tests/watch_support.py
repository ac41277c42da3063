"""What the watch tests read of a system: the `Terminated` among its dead letters, and a
watcher that hands each `Terminated` it gets to a queue."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorRef, ActorSystem, Terminated


def terminated_letters(system: ActorSystem) -> list[Any]:
    return [d for d in system.dead_letters.recent if isinstance(d.message, Terminated)]


class Watcher(Actor):
    """Watches each ref it is told; puts each `Terminated` it gets on `ended`."""

    def __init__(self, ended: asyncio.Queue[Terminated]) -> None:
        self.ended = ended

    async def receive(self, message: Any) -> Any:
        if isinstance(message, ActorRef):
            self.watch(message)
        elif isinstance(message, Terminated):
            self.ended.put_nowait(message)
