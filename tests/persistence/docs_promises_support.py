"""What the tests of docs/persistence.md's promises (`tests/persistence/test_docs_promises_*.py`)
share: an event-sourced log that answers with its events, one that persists each message it
is asked, and a store's journal read back."""

from __future__ import annotations

from typing import Any

from actorkit.persistence import EventSourced, MemoryStore


class Log(EventSourced):
    def __init__(self) -> None:
        self.events: list[Any] = []

    def apply(self, event: Any) -> None:
        self.events.append(event)

    async def receive(self, message: Any) -> Any:
        return self.events


async def journal(store: MemoryStore, persistence_id: str) -> list[Any]:
    return [event async for _, _, event in store.events(persistence_id)]


class Tally(EventSourced):
    """Persists each int it is asked; answers with every event applied."""

    def __init__(self) -> None:
        self.events: list[Any] = []

    def apply(self, event: Any) -> None:
        self.events.append(event)

    async def receive(self, message: Any) -> Any:
        await self.persist(message)
        return self.events
