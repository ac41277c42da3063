"""Which instance writes: only the live one. One replaced by a restart, or whose actor
stopped, is refused with `ActorStopped` before anything is written, also when a task it left
running calls persist, save or reminders; a write it had in flight when it was replaced is
waited for by the next instance's recovery. The live instance writes from any of its tasks,
one write at a time."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest

from actorkit import ActorStopped, ActorSystem
from actorkit.persistence import DurableState, EventSourced, MemoryStore, Store, StoredReminder
from actorkit.persistence._payload import decode
from actorkit.testing import instance

from .durable_support import Deposited, journal

pytestmark = pytest.mark.timeout(30)


class HeldWrites(MemoryStore):
    """Holds every append and state save while `gate` is set and not yet open: a write in
    flight, for as long as the test wants."""

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


class Leaves:
    """Writes `n` on an int; on `("leave", action, go, outcome)` leaves a task running that
    waits for `go`, then does `action` (`write`, `remind` or `cancel`) and reports what came
    of it to `outcome`. Each instance is put in `built` when made (a restart makes one)."""

    def __init__(self, built: asyncio.Queue[object]) -> None:
        built.put_nowait(self)
        self.left: asyncio.Task[None] | None = None

    async def write(self, n: int) -> None:
        raise NotImplementedError

    def value(self) -> object:
        raise NotImplementedError

    async def act(self, action: str, go: asyncio.Event, outcome: asyncio.Future[object]) -> None:
        await go.wait()
        reminders = self.reminders  # type: ignore[attr-defined]
        try:
            if action == "write":
                await self.write(100)
            elif action == "remind":
                await reminders.start("r", "fired", delay=0.0)
            else:
                await reminders.cancel("r")
        except Exception as error:
            outcome.set_result(error)
        else:
            outcome.set_result("done")

    async def receive(self, message: Any) -> Any:
        if isinstance(message, int):
            await self.write(message)
        elif isinstance(message, tuple):
            self.left = asyncio.ensure_future(self.act(*message[1:]))
        elif message == "remind":
            await self.reminders.start("r", "fired", delay=3600.0)  # type: ignore[attr-defined]
        elif message == "crash":
            raise RuntimeError("crash")
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


CLASSES = [Ledger, Note]


async def stored(store: Store, cls: type[Leaves]) -> list[int]:
    """What the store holds for `/a`: the journal's amounts, or the saved list."""
    if cls is Ledger:
        return [event.amount for event in await journal(store, "/a")]
    state = await store.load_state("/a")
    return [] if state is None else list(decode(state.payload))


def refusal(cls: type[Leaves], action: str) -> str:
    """How the refusal of `action` begins: the call, as the user wrote it."""
    if action == "write":
        return f"{'persist' if cls is Ledger else 'save'} refused: "
    return f"reminders.{'start' if action == 'remind' else 'cancel'}('r') refused: "


def go_now() -> tuple[asyncio.Event, asyncio.Future[object]]:
    go = asyncio.Event()
    go.set()
    return go, asyncio.get_running_loop().create_future()


@pytest.mark.parametrize("retired", ["restarted", "stopped"])
@pytest.mark.parametrize("action", ["write", "remind", "cancel"])
@pytest.mark.parametrize("cls", CLASSES)
async def test_a_retired_instance_s_left_task_writes_nothing_and_says_so_in_user_terms(
    cls: type[Leaves], action: str, retired: str
) -> None:
    """Replaced by a restart, or its actor stopped: the write of a task it left running is
    refused before anything is stored, and the live (or next) instance goes on unhindered."""
    async with asyncio.timeout(10):
        async with ActorSystem("z", store=MemoryStore()) as system:
            ref = await system.spawn(cls, asyncio.Queue(), name="a")
            await ref.ask(1)
            await ref.ask("remind")
            reminders = await system.store.reminders("/a")
            go, outcome = asyncio.Event(), asyncio.get_running_loop().create_future()
            await ref.ask(("leave", action, go, outcome))
            if retired == "restarted":
                with pytest.raises(RuntimeError, match="crash"):
                    await ref.ask("crash")
                assert await ref.ask("get") == [1]  # the new instance
                why = "this instance of /a was replaced by a restart"
            else:
                await ref.stop()
                why = "/a is stopped"
            go.set()
            refused = await outcome
            assert isinstance(refused, ActorStopped)
            assert str(refused).startswith(refusal(cls, action) + why)
            assert "; nothing was written" in str(refused)
            assert "_Key" not in str(refused)
            assert await stored(system.store, cls) == [1]
            assert await system.store.reminders("/a") == reminders
            if retired == "stopped":
                ref = await system.spawn(cls, asyncio.Queue(), name="a")
            assert await ref.ask(5) == [1, 5]  # no conflict: nobody wrote behind its back
            assert await stored(system.store, cls) == [1, 5]


@pytest.mark.parametrize("retired", ["restarted", "stopped"])
@pytest.mark.parametrize("cls", CLASSES)
async def test_a_write_in_flight_when_its_instance_is_retired_lands_before_the_next_recovers(
    cls: type[Leaves], retired: str
) -> None:
    """The old instance began it while it was live, so it is written; the next instance's
    recovery (after a restart, or of the next actor on the id) waits for it instead of
    reading the store just before it lands."""
    store = HeldWrites()
    built: asyncio.Queue[object] = asyncio.Queue()
    async with asyncio.timeout(10):
        async with ActorSystem("z", store=store) as system:
            ref = await system.spawn(cls, built, name="a")
            await built.get()
            await ref.ask(1)
            store.gate = gate = asyncio.Event()
            go, written = go_now()
            await ref.ask(("leave", "write", go, written))
            await store.holding.wait()  # the old instance's write is in flight
            spawning = None
            if retired == "restarted":
                with pytest.raises(RuntimeError, match="crash"):
                    await ref.ask("crash")
            else:
                await ref.stop()
                spawning = asyncio.ensure_future(system.spawn(cls, built, name="a"))
            await built.get()  # the next instance: its recovery has begun
            gate.set()
            assert await written == "done"
            if spawning is not None:
                ref = await spawning
            assert await ref.ask("get") == [1, 100]
            assert await ref.ask(5) == [1, 100, 5]
            assert await stored(store, cls) == [1, 100, 5]


async def test_a_reminder_stored_while_its_actor_stops_is_kept_for_the_next_start() -> None:
    """Begun by the live instance, it is stored: `start` returns (it is durable), and the
    actor's next start arms it, rather than failing on a timer of the stopped actor."""
    store = HeldWrites()
    async with asyncio.timeout(10):
        async with ActorSystem("z", store=store) as system:
            ref = await system.spawn(Ledger, asyncio.Queue(), name="a")
            store.gate = gate = asyncio.Event()
            go, started = go_now()
            await ref.ask(("leave", "remind", go, started))
            await store.holding.wait()
            await ref.stop()
            gate.set()
            assert await started == "done"
            assert [r.key for r in await store.reminders("/a")] == ["r"]


@pytest.mark.parametrize("cls", CLASSES)
async def test_the_live_instance_writes_from_any_of_its_tasks_one_write_at_a_time(
    cls: type[Leaves],
) -> None:
    """Orleans' rule, not Akka's: a task the actor started (here while it is idle), or a test
    through `testing.instance`, may write; a second write while one is in flight is refused."""
    store = HeldWrites()
    async with asyncio.timeout(10):
        async with ActorSystem("z", store=store) as system:
            ref = await system.spawn(cls, asyncio.Queue(), name="a")
            go, written = go_now()
            await ref.ask(("leave", "write", go, written))
            assert await written == "done"  # while the actor was idle
            live = instance(ref)
            assert isinstance(live, cls)
            store.gate = gate = asyncio.Event()
            first = asyncio.ensure_future(live.write(1))
            await store.holding.wait()
            with pytest.raises(RuntimeError, match="while another persist or save of this"):
                await live.write(2)
            gate.set()
            await first
            assert await ref.ask(3) == [100, 1, 3]
            assert await stored(store, cls) == [100, 1, 3]
