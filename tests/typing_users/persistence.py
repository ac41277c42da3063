"""API.md §11 and docs/persistence.md: event sourcing, durable state, stores, reminders."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import actorkit
from actorkit import ActorSystem, PersistenceConflict, PersistenceError
from actorkit.persistence import (
    AgentChange,
    DurableState,
    EventSourced,
    MemoryStore,
    PostgresStore,
    Reminders,
    SQLiteStore,
    Store,
    StoredEvent,
    StoredRecovery,
    StoredState,
)
from actorkit.persistence import PersistenceError as PersistenceErrorAgain


@actorkit.message
@dataclass(frozen=True)
class Deposit:
    amount: int


@actorkit.message("typing_users.Deposited")
@dataclass(frozen=True)
class Deposited:
    amount: int


@actorkit.message(name="typing_users.Withdrawn")
@dataclass(frozen=True)
class Withdrawn:
    amount: int


@actorkit.message("typing_users.Balance")
@dataclass(frozen=True)
class Balance:
    amount: int


@actorkit.message("typing_users.SendStatement")
@dataclass(frozen=True)
class SendStatement:
    month: int


class Account(EventSourced):
    snapshot_every = 1000

    def __init__(self) -> None:
        self.balance = 0

    def apply(self, event: object) -> None:
        match event:
            case Deposited(amount=amount):
                self.balance += amount
            case Withdrawn(amount=amount):
                self.balance -= amount
            case _:
                raise TypeError(f"not an event of an account: {event!r}")

    def snapshot(self) -> object:
        return Balance(self.balance)  # a registered message type is a snapshot too

    def restore(self, snapshot: object) -> None:
        if isinstance(snapshot, Balance):
            self.balance = snapshot.amount

    async def on_start(self) -> None:
        reminders: Reminders = self.reminders
        await reminders.start("statement", SendStatement(1), delay=3600.0)
        await reminders.start("sweep", SendStatement(0), delay=60.0, every=60.0)
        pid: str = self.persistence_id
        print(pid)

    async def receive(self, message: object) -> object:
        if isinstance(message, Deposit):
            await self.persist(Deposited(message.amount))
            await self.persist(Deposited(1), Withdrawn(1))
            await self.persist(*[Deposited(n) for n in range(3)])
        if isinstance(message, SendStatement):
            was_there: bool = await self.reminders.cancel("statement")
            print(was_there)
        return self.balance


@dataclass(frozen=True)
class Rename:
    name: str


class Profile(DurableState):
    async def receive(self, message: object) -> object:
        if isinstance(message, Rename):
            await self.save({**(self.state or {}), "name": message.name})
        return self.state


async def main(directory: Path) -> None:
    store = SQLiteStore(directory / "bank.db", synchronous="NORMAL", timeout=5.0)
    async with ActorSystem("bank", store=store) as system:
        acct = await system.spawn(Account, name="acct-42")
        await acct.ask(Deposit(5))
        await system.spawn(Account, name="other", persistence_id="accounts/other")
        await system.spawn(Profile, name="profile")
        given: Store | None = system.store
        assert given is store
        # `system.store` is typed as the byte-level protocol, which has no `events`
        if isinstance(given, SQLiteStore | MemoryStore | PostgresStore):
            async for seq, time, event in given.events("/acct-42", from_seq=1):
                print(seq, time, event)
        try:
            await acct.ask(Deposit(1))
        except PersistenceConflict:
            pass
        except PersistenceError:
            pass

    async with SQLiteStore(str(directory / "bank.db")) as opened:
        async for seq, time, event in opened.events("/acct-42"):
            print(seq, time, event)
        async for stored in opened.read("/acct-42", from_seq=2):
            raw: StoredEvent = stored
            print(raw.seq, raw.time, raw.payload)

    memory = MemoryStore()
    await memory.open()
    try:
        async for seq, time, event in memory.events("/x", from_seq=1):
            print(seq + 1, time + 0.5, event)
    finally:
        await memory.close()


async def history() -> None:
    async with ActorSystem("app", store=MemoryStore(), agent_history=True) as system:
        for change in await system.agent_history("/t1"):
            item: AgentChange = change
            print(item.time, item.state, item.task)


async def shared() -> None:
    postgres = PostgresStore("postgresql://app@db/app", timeout=30.0)
    async with ActorSystem("many", store=postgres) as system:
        await system.spawn(Account, name="acct")


class Reversed(MemoryStore):
    """A shipped store whose reads a subclass overrides (to decrypt, say): recovery reads
    through them, and a lower `max_payload` set in the body is checked there."""

    max_payload = 1_000_000

    async def load_state(self, persistence_id: str) -> StoredState | None:
        stored = await super().load_state(persistence_id)
        return None if stored is None else StoredState(stored.revision, stored.payload[::-1])

    def read(self, persistence_id: str, from_seq: int = 1) -> AsyncIterator[StoredEvent]:
        return self._reversed(super().read(persistence_id, from_seq))

    async def _reversed(self, events: AsyncIterator[StoredEvent]) -> AsyncIterator[StoredEvent]:
        async for event in events:
            yield StoredEvent(event.seq, event.time, event.payload[::-1])


async def recovery(store: SQLiteStore | MemoryStore | PostgresStore) -> int:
    """A recovery's reads in one call, and the rest of a long journal read on from there."""
    recovered: StoredRecovery = await store.load_recovery("/acct-42", journal=True)
    count = len(recovered.events)
    if recovered.more:
        async for _ in store.read("/acct-42", recovered.read_on_from):
            count += 1
    state: StoredState | None = (await store.load_recovery("/profile", journal=False)).state
    other: bool | None = recovered.other_kind
    print(state, other, recovered.snapshot, recovered.reminders)
    return count


async def own_reads() -> None:
    store = Reversed()
    limit: int = store.max_payload
    async with ActorSystem("reversed", store=store) as system:
        await system.spawn(Profile, name="profile")
        print(limit, await recovery(store))


def is_persistence_error(error: BaseException) -> bool:
    return isinstance(error, PersistenceErrorAgain)


if __name__ == "__main__":
    actorkit.run(main(Path(".")))
