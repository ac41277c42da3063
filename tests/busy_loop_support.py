"""A loop kept busy with short yields, where CPython's convoy effect starves threads of the
GIL (`actorkit._thread_turns`): the SQLite store's tests and the thread turns' own."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from actorkit import Actor, ActorSystem

SENDS_BOUND = 3_000_000
"""Bounded sends the busy sender may make while a test's thread work runs: about a second of
sending. That work takes tens of milliseconds with turns; without them, seconds."""


class Sink(Actor):
    async def receive(self, message: Any) -> None:
        pass


@contextlib.asynccontextmanager
async def busy(system: ActorSystem) -> AsyncIterator[list[int]]:
    """A sender keeping the loop busy with short yields (bounded sends into a full mailbox)
    until the block ends; yields the count of its sends, final once the block is left."""
    sink = await system.spawn(Sink, mailbox_size=1000)
    done = asyncio.Event()
    sends = [0]

    async def send() -> None:
        while not done.is_set() and sends[0] < SENDS_BOUND:
            await sink.send(sends[0])
            sends[0] += 1

    sender = asyncio.create_task(send())
    try:
        yield sends
    finally:
        done.set()
        await sender
