"""Actors, a client and a loop-turn counter the HTTP endpoint tests share."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from actorkit import Actor, ActorSystem


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise ValueError("crash on purpose")
        return message


async def _receive(self: Actor, message: Any) -> Any:
    return message


async def spawn_classes(system: ActorSystem, count: int, asks: int = 2) -> None:
    """`count` actor classes, `Kind0000` on, an actor each, asked `asks` times; every third
    with a bounded mailbox (a fill ratio)."""
    refs = [
        await system.spawn(
            type(f"Kind{i:04d}", (Actor,), {"receive": _receive}),
            mailbox_size=4 if i % 3 == 0 else None,
        )
        for i in range(count)
    ]
    await asyncio.gather(*(ref.ask(n) for ref in refs for n in range(asks)))


async def fetch(url: str, **kwargs: Any) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url, **kwargs) as response:
        return response.status, await response.text()


class Idle(Actor):
    async def receive(self, message: Any) -> None:
        pass


class Turns:
    """Counts loop turns: one `sleep(0)` per turn, for as long as it runs."""

    def __init__(self) -> None:
        self.count = 0
        self.task = asyncio.create_task(self._tick())

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(0)
            self.count += 1
