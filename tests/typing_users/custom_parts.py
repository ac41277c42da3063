"""Parts a user brings: a clock of their own (api.md §5, an `actorkit.Clock`), a store wrapping
another (docs/persistence.md: every store implements the byte-level `Store` protocol), code
that takes whichever transport a system was built with (api.md §10, an `actorkit.Transport`),
and a stand-in for an actor that code taking an `actorkit.Ref` accepts (its `async def`s too)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from actorkit import Actor, ActorSystem, Clock, Ref, Transport
from actorkit.persistence import (
    MemoryStore,
    Store,
    StoredEvent,
    StoredReminder,
    StoredSnapshot,
    StoredState,
)


class LoopClock:
    """The loop's own time, as `SystemClock` keeps it."""

    resolution = 0.001

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None

    def now(self) -> float:
        assert self._loop is not None
        return self._loop.time()

    def call_at(self, when: float, callback: Callable[[], object]) -> asyncio.TimerHandle:
        assert self._loop is not None
        return self._loop.call_at(when, callback)

    def attach(self, loop: asyncio.AbstractEventLoop, idle: Callable[[], bool]) -> None:
        self._loop = loop

    def detach(self, idle: Callable[[], bool]) -> None:
        self._loop = None


def own_clock() -> Clock:
    """Typed as what `clock=` takes: a `LoopClock` that stopped matching the protocol fails
    here, not in the runtime."""
    return LoopClock()


def link_state(transport: Transport | None) -> object:
    """What `/healthz` reports of a transport, whichever one it is."""
    return None if transport is None else transport.health().get("state")


class CountingStore:
    """Counts the appends of the store it wraps."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.appends = 0

    async def open(self) -> None:
        await self.inner.open()

    async def close(self) -> None:
        await self.inner.close()

    async def append(
        self, persistence_id: str, expected_seq: int, payloads: Sequence[bytes]
    ) -> float:
        self.appends += 1
        return await self.inner.append(persistence_id, expected_seq, payloads)

    def read(self, persistence_id: str, from_seq: int = 1) -> AsyncIterator[StoredEvent]:
        return self.inner.read(persistence_id, from_seq)

    async def highest_seq(self, persistence_id: str) -> int:
        return await self.inner.highest_seq(persistence_id)

    async def save_snapshot(self, persistence_id: str, seq: int, payload: bytes) -> None:
        await self.inner.save_snapshot(persistence_id, seq, payload)

    async def load_snapshot(self, persistence_id: str) -> StoredSnapshot | None:
        return await self.inner.load_snapshot(persistence_id)

    async def save_state(self, persistence_id: str, expected_revision: int, payload: bytes) -> int:
        return await self.inner.save_state(persistence_id, expected_revision, payload)

    async def load_state(self, persistence_id: str) -> StoredState | None:
        return await self.inner.load_state(persistence_id)

    async def put_reminder(self, persistence_id: str, reminder: StoredReminder) -> None:
        await self.inner.put_reminder(persistence_id, reminder)

    async def delete_reminder(self, persistence_id: str, key: str) -> bool:
        return await self.inner.delete_reminder(persistence_id, key)

    async def reminders(self, persistence_id: str) -> list[StoredReminder]:
        return await self.inner.reminders(persistence_id)


class Recording:
    """Takes a `Ref`'s place in a unit test of code that only sends."""

    def __init__(self) -> None:
        self.seen: list[Any] = []

    @property
    def name(self) -> str:
        return "recording"

    @property
    def path(self) -> str:
        return "/recording"

    @property
    def is_alive(self) -> bool:
        return True

    def tell(self, message: Any) -> None:
        self.seen.append(message)

    async def send(self, message: Any) -> None:
        self.seen.append(message)

    async def ask(self, message: Any, timeout: float = 5.0) -> Any:
        self.seen.append(message)
        return message


async def notify(target: Ref, text: str) -> str:
    target.tell(text)
    await target.send(text)
    answer: str = await target.ask(text, timeout=1.0)
    return answer


class Echo(Actor):
    async def receive(self, message: object) -> object:
        return message


async def main() -> None:
    store = CountingStore(MemoryStore())
    clock: Clock = LoopClock()
    async with ActorSystem("custom", clock=clock, store=store) as system:
        echo = await system.spawn(Echo)
        print(store.appends, system.store is store, await notify(echo, "hi"))
        print(await notify(Recording(), "hi"), await asyncio.create_task(echo.ask("task")))
    async with ActorSystem("own", clock=own_clock()) as system:
        await system.spawn(Echo)
