"""An agent, and readers of its journal and the drop counter, for the agent history tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any

from actorkit import Actor, ActorSystem
from actorkit.persistence import AgentChange, MemoryStore, PersistenceError, StoredEvent


class Worker(Actor):
    """An agent: answers its tasks; `"crash"` makes it fail."""

    capabilities = frozenset({"work"})

    async def receive(self, message: Any) -> Any:
        payload = getattr(message, "payload", message)
        if payload == "crash":
            raise RuntimeError("crash")
        if payload == "stop yourself":
            self.stop()  # `permanent`: restarted
        return payload


LONG_NAME = "n" * 250


class Nest(Actor):
    """Nests `message` plain actors, then a `Worker`; answers the worker's path (longer than
    a persistence id may be, from 4 on)."""

    async def receive(self, message: Any) -> Any:
        if message == 0:
            return (await self.spawn(Worker, name=LONG_NAME)).path
        return await (await self.spawn(Nest, name=LONG_NAME)).ask(message - 1)


def changes(history: list[AgentChange]) -> list[tuple[str, int | None]]:
    return [(change.state, change.task) for change in history]


async def run_tasks(system: ActorSystem, *payloads: object) -> None:
    """Submitted together: one agent goes from task to task without idling between."""
    handles = [await system.submit(payload, requires=["work"]) for payload in payloads]
    for handle in handles:
        await handle


def metric(system: ActorSystem, name: str) -> float | None:
    return system.metrics.registry.get_sample_value(f"actorkit_agent_history_{name}_total")


def dropped(system: ActorSystem) -> float | None:
    return metric(system, "dropped")


class InDoubt(MemoryStore):
    """Its next append once `lose` is set commits, then fails as a lost answer would; once
    `refuse` is set, it fails before it commits. With `blind`, the read that follows fails
    too: the writer cannot tell whether it landed."""

    lose = False
    refuse = False

    def __init__(self, *, blind: bool = False) -> None:
        super().__init__()
        self.blind = blind
        self.read_fails = False
        self.lost = asyncio.Event()

    async def append(
        self, persistence_id: str, expected_seq: int, payloads: Sequence[bytes]
    ) -> float:
        if self.refuse:
            self.refuse, self.read_fails = False, self.blind
            self.lost.set()
            raise PersistenceError("the connection was lost before the commit")
        written = await super().append(persistence_id, expected_seq, payloads)
        if self.lose:
            self.lose, self.read_fails = False, self.blind
            self.lost.set()
            raise PersistenceError("the connection was lost before the commit's answer")
        return written

    async def read(self, persistence_id: str, from_seq: int = 1) -> AsyncIterator[StoredEvent]:
        if self.read_fails:
            self.read_fails = False
            raise PersistenceError("the connection is still down")
        async for stored in super().read(persistence_id, from_seq):
            yield stored
