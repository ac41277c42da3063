"""Actors the actor tests share: a counter and a gate that holds its mailbox full."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor


class Counter(Actor):
    def __init__(self, start: int = 0) -> None:
        self.count = start

    async def receive(self, message: Any) -> Any:
        if message == "get":
            return self.count
        self.count += message
        return None


class Gate(Actor):
    """Blocks in receive until its gate is opened, so tests can fill its mailbox."""

    def __init__(self, gate: asyncio.Event, entered: asyncio.Event | None = None) -> None:
        self.gate = gate
        self.entered = entered
        self.seen: list[Any] = []

    async def receive(self, message: Any) -> Any:
        if message == "seen":
            return list(self.seen)
        if message == "wait":
            if self.entered is not None:
                self.entered.set()
            await self.gate.wait()
        self.seen.append(message)
        return message
