"""A reminder write that failed or was cancelled reads the store back to learn whether it
was stored; that read must not undo a later start or cancel of the same key that returned
while the read was under way (a read's snapshot taken before the later commit, its answer
arriving after it)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.persistence import DurableState, PersistenceError, StoredReminder
from actorkit.testing import ManualClock

from .durable_support import InDoubt

pytestmark = pytest.mark.timeout(30)


class SlowReadBack(InDoubt):
    """While `hold` is set, listing reminders reads the rows at once and answers only once
    `answer` is set (a slow network after the statement's snapshot)."""

    hold = False

    def __init__(self) -> None:
        super().__init__()
        self.reading = asyncio.Event()
        self.answer = asyncio.Event()

    async def reminders(self, persistence_id: str) -> list[StoredReminder]:
        rows = await super().reminders(persistence_id)
        if self.hold:
            self.hold = False
            self.reading.set()
            await self.answer.wait()
        return rows


class Owner(DurableState):
    def __init__(self) -> None:
        self.got: list[Any] = []
        self.side: asyncio.Task[Any] | None = None

    async def receive(self, message: Any) -> Any:
        if message == "got":
            return self.got
        if message == "join":
            assert self.side is not None
            return await self.side
        if isinstance(message, tuple) and message[0] == "aside":
            self.side = asyncio.ensure_future(self._quietly(message[1], *message[2:]))
            return None
        if isinstance(message, tuple):
            return await self._quietly(message[0], *message[1:])
        self.got.append(message)
        return None

    async def _quietly(self, what: str, *args: Any) -> Any:
        try:
            if what == "start":
                return await self.reminders.start(*args)
            return await self.reminders.cancel(*args)
        except PersistenceError:
            return "failed"


async def test_a_cancel_that_returned_is_not_undone_by_an_earlier_starts_read_back() -> None:
    store = SlowReadBack()
    clock = ManualClock()
    async with asyncio.timeout(10):
        async with ActorSystem("r", store=store, clock=clock) as system:
            owner = await system.spawn(Owner, name="owner")
            store.doubt = store.hold = True
            await owner.ask(("aside", "start", "tick", "tick", 1.0))
            await store.reading.wait()  # the start failed in doubt; its read saw it stored
            assert await owner.ask(("cancel", "tick")) is True
            store.answer.set()
            assert await owner.ask("join") == "failed"
            assert await store.reminders("/owner") == []
            await clock.advance(5.0)
            assert await owner.ask("got") == []  # nothing after the cancel returned


async def test_a_start_that_returned_is_not_undone_by_an_earlier_cancels_read_back() -> None:
    store = SlowReadBack()
    clock = ManualClock()
    async with asyncio.timeout(10):
        async with ActorSystem("r", store=store, clock=clock) as system:
            owner = await system.spawn(Owner, name="owner")
            await owner.ask(("start", "tick", "old", 1.0))
            store.doubt = store.hold = True
            await owner.ask(("aside", "cancel", "tick"))
            await store.reading.wait()  # the cancel failed in doubt; its read saw none
            assert await owner.ask(("start", "tick", "new", 2.0)) is None
            store.answer.set()
            assert await owner.ask("join") == "failed"
            assert [r.key for r in await store.reminders("/owner")] == ["tick"]
            await clock.advance(5.0)
            assert await owner.ask("got") == ["new"]  # the store holds it: it fires
