"""The durable actors of the instance tests: a store that holds writes in flight, and actors
that leave a task running to write after they were replaced or stopped."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, cast

from actorkit import ActorRef
from actorkit.persistence import DurableState, EventSourced, MemoryStore, StoredReminder
from actorkit.persistence._payload import decode

from .durable_support import Deposited, ShippedStore, journal


class HeldWrites(MemoryStore):
    """Holds every write while `gate` is set and not yet open: a write in flight, for as long
    as the test wants."""

    def __init__(self) -> None:
        super().__init__()
        self.gate: asyncio.Event | None = None
        self.holding = asyncio.Event()

    async def _hold(self) -> None:
        if self.gate is not None:
            self.holding.set()
            await self.gate.wait()

    async def append(
        self, persistence_id: str, expected_seq: int, payloads: Sequence[bytes]
    ) -> float:
        await self._hold()
        return await super().append(persistence_id, expected_seq, payloads)

    async def save_state(self, persistence_id: str, expected_revision: int, payload: bytes) -> int:
        await self._hold()
        return await super().save_state(persistence_id, expected_revision, payload)

    async def put_reminder(self, persistence_id: str, reminder: StoredReminder) -> None:
        await self._hold()
        await super().put_reminder(persistence_id, reminder)

    async def delete_reminder(self, persistence_id: str, key: str) -> bool:
        await self._hold()
        return await super().delete_reminder(persistence_id, key)


class HeardLate(HeldWrites):
    """Stores a reminder at once and holds only the answer: a write committed whose caller
    has not heard back yet."""

    async def put_reminder(self, persistence_id: str, reminder: StoredReminder) -> None:
        await MemoryStore.put_reminder(self, persistence_id, reminder)
        await self._hold()


class Leaves:
    """Writes `n` on an int; on `("leave", action, go, outcome)` leaves a task running that
    waits for `go`, then does `action` (`write`, `remind` or `cancel`) and reports what came
    of it to `outcome` (what `cancel` returned). Each instance is put in `built` when made (a
    restart makes one), and counts the reminders that fire in it (`"times fired"`)."""

    def __init__(self, built: asyncio.Queue[object]) -> None:
        built.put_nowait(self)
        self.left: asyncio.Task[None] | None = None
        self.fired = 0

    async def write(self, n: int) -> None:
        raise NotImplementedError

    def value(self) -> object:
        raise NotImplementedError

    async def act(self, action: str, go: asyncio.Event, outcome: asyncio.Future[object]) -> None:
        await go.wait()
        reminders = self.reminders  # type: ignore[attr-defined]
        done: object = "done"
        try:
            if action == "write":
                await self.write(100)
            elif action == "remind":
                await reminders.start("r", "fired", delay=0.0)
            else:
                done = await reminders.cancel("r")
        except Exception as error:
            outcome.set_result(error)
        else:
            outcome.set_result(done)

    async def receive(self, message: Any) -> Any:
        if isinstance(message, int):
            await self.write(message)
        elif isinstance(message, tuple):
            self.left = asyncio.ensure_future(self.act(*message[1:]))
        elif message == "remind":
            await self.reminders.start("r", "fired", delay=3600.0)  # type: ignore[attr-defined]
        elif message == "crash":
            raise RuntimeError("crash")
        elif message == "fired":
            self.fired += 1
        elif message == "times fired":
            return self.fired
        return self.value()


class Ledger(Leaves, EventSourced):
    def __init__(self, built: asyncio.Queue[object]) -> None:
        super().__init__(built)
        self.amounts: list[int] = []

    def apply(self, event: Any) -> None:
        self.amounts.append(event.amount)

    async def write(self, n: int) -> None:
        await self.persist(Deposited(n))

    def value(self) -> object:
        return self.amounts


class Note(Leaves, DurableState):
    async def write(self, n: int) -> None:
        await self.save([*(self.state or []), n])

    def value(self) -> object:
        return self.state or []


CLASSES: list[type[Ledger | Note]] = [Ledger, Note]


async def stored(store: ShippedStore, cls: type[Ledger | Note]) -> list[int]:
    """What the store holds for `/a`: the journal's amounts, or the saved list."""
    if cls is Ledger:
        return [event.amount for event in await journal(store, "/a")]
    state = await store.load_state("/a")
    return [] if state is None else cast("list[int]", decode(state.payload))


def go_now() -> tuple[asyncio.Event, asyncio.Future[object]]:
    go = asyncio.Event()
    go.set()
    return go, asyncio.get_running_loop().create_future()


async def leave_held(
    store: HeldWrites, ref: ActorRef, action: str
) -> tuple[asyncio.Event, asyncio.Future[object]]:
    """The live instance leaves `action` running in a task of its own, whose store write the
    returned gate holds: back once that write is in flight, with the gate and the outcome
    the task will hear."""
    store.gate = gate = asyncio.Event()
    go, outcome = go_now()
    await ref.ask(("leave", action, go, outcome))
    await store.holding.wait()
    return gate, outcome
