"""A write whose answer was lost, on a store that then cannot be read back: the durable actor
cannot tell whether it was stored, so it keeps what it had and its caller gets the store's
error; had the write landed after all, fencing refuses the instance's next write instead of
writing past it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.persistence import (
    DurableState,
    EventSourced,
    PersistenceConflict,
    PersistenceError,
    StoredEvent,
    StoredState,
)
from actorkit.persistence._payload import decode

from .test_durable_commit_in_doubt import Added, LostAnswers, journal

pytestmark = pytest.mark.timeout(30)


class LostThenUnreadable(LostAnswers):
    """While `blind`, its reads fail with a driver's own error (not `PersistenceError`)."""

    blind = False

    async def read(self, persistence_id: str, from_seq: int = 1) -> AsyncIterator[StoredEvent]:
        if self.blind:
            raise OSError("the connection is gone")
        async for event in super().read(persistence_id, from_seq):
            yield event

    async def load_state(self, persistence_id: str) -> StoredState | None:
        if self.blind:
            raise OSError("the connection is gone")
        return await super().load_state(persistence_id)


class Total(EventSourced):
    def __init__(self) -> None:
        self.total = 0

    def apply(self, event: Any) -> None:
        self.total += event.n

    async def receive(self, message: Any) -> Any:
        if message == "get":
            return self.total
        return await _written(self.persist(Added(message)))


class Kept(DurableState):
    async def receive(self, message: Any) -> Any:
        if message == "get":
            return self.state
        return await _written(self.save(message))


async def _written(write: Awaitable[None]) -> str:
    """What came of it, as the answer: a handler that catches the failure goes on, not
    restarted, with what its instance holds."""
    try:
        await write
    except PersistenceConflict:
        return "conflict"
    except PersistenceError as error:
        return f"failed: {error}"
    return "written"


LOST = "failed: the connection was lost before the commit's answer"


async def test_a_persist_whose_answer_is_lost_and_not_read_back_fails_and_is_fenced() -> None:
    store = LostThenUnreadable()
    async with asyncio.timeout(10), ActorSystem("blind", store=store) as system:
        total = await system.spawn(Total, name="total")
        store.lose = store.blind = True
        assert await total.ask(5) == LOST
        store.blind = False
        assert await total.ask("get") == 0  # kept what it had: it could not tell
        assert await total.ask(1) == "conflict"  # not written past an event it does not know
        assert await journal(store, "/total") == [Added(5)]


async def test_a_save_whose_answer_is_lost_and_not_read_back_fails_and_is_fenced() -> None:
    store = LostThenUnreadable()
    async with asyncio.timeout(10), ActorSystem("blind", store=store) as system:
        kept = await system.spawn(Kept, name="kept")
        store.lose = store.blind = True
        assert await kept.ask("first") == LOST
        store.blind = False
        assert await kept.ask("get") is None
        assert await kept.ask("second") == "conflict"
        stored = await store.load_state("/kept")
        assert stored is not None
        assert (stored.revision, decode(stored.payload)) == (1, "first")
