"""Actors tests share: an echo, one held busy, a timer relay, one that notes what it gets."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError("crashed on purpose")
        return message


class Held(Actor):
    """Handles an `asyncio.Event` by waiting for it: busy until the test releases it."""

    async def receive(self, message: Any) -> Any:
        if isinstance(message, asyncio.Event):
            await message.wait()
        return message


class Relay(Actor):
    """On each `(n, probe)`, reports n and asks its own timers for n + 1 one second later."""

    async def receive(self, message: Any) -> Any:
        n, probe = message
        probe.tell(n)
        self.timers.start_once("next", (n + 1, probe), 1.0)


class Notes(Actor):
    """Notes each message; answers "seen" with what it noted."""

    def __init__(self) -> None:
        self.seen: list[Any] = []

    async def receive(self, message: Any) -> Any:
        if message == "seen":
            return self.seen
        self.seen.append(message)
        return None
