"""A supervisor's "resume" keeps an instance and its state; a durable instance whose state no
longer matches its journal has nothing to keep, so the resume restarts it (recovery reads the
journal again), while one whose failure left it matching is resumed as any actor."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from typing import Any, ClassVar, NoReturn

import pytest

from actorkit import Actor, ActorSystem, OneForOne
from actorkit.persistence import DurableState, EventSourced, PersistenceConflict
from actorkit.persistence._payload import encode
from actorkit.testing import ManualClock

from .durable_support import Deposited, SharedMemoryStore
from .event_sourced_support import Account

pytestmark = pytest.mark.timeout(30)

RESUME_ALL = OneForOne(decider={Exception: "resume"})


class Fragile(EventSourced):
    """Its `apply` fails once on 13, after the event was stored."""

    fail_once: ClassVar[bool] = True

    def __init__(self) -> None:
        self.total = 0

    def apply(self, event: Any) -> None:
        if event.amount == 13 and Fragile.fail_once:
            Fragile.fail_once = False
            raise ValueError("unlucky")
        self.total += event.amount

    async def receive(self, message: Any) -> Any:
        if message == "total":
            return self.total
        await self.persist(Deposited(message))
        return self.total


async def test_an_instance_whose_apply_failed_after_the_write_is_restarted_not_resumed() -> None:
    Fragile.fail_once = True
    async with (
        asyncio.timeout(10),
        ActorSystem("apply", store=SharedMemoryStore(), supervisor=RESUME_ALL) as system,
    ):
        fragile = await system.spawn(Fragile, name="fragile")
        assert await fragile.ask(1) == 1
        with pytest.raises(ValueError, match="unlucky"):
            await fragile.ask(13)
        assert await fragile.ask("total") == 14  # the stored 13 is in the state, by recovery
        assert await fragile.ask(1) == 15


class Counter(DurableState):
    async def receive(self, message: Any) -> Any:
        if message == "get":
            return self.state
        await self.save((self.state or 0) + message)
        return self.state


@pytest.mark.parametrize(
    ("kind", "read"), [(Account, "started_with"), (Counter, "get")], ids=["events", "state"]
)
async def test_an_instance_that_lost_a_conflict_is_restarted_not_resumed(
    kind: type[Actor], read: str
) -> None:
    store = SharedMemoryStore()
    async with asyncio.timeout(10), ActorSystem("one", store=store, supervisor=RESUME_ALL) as one:
        mine = await one.spawn(kind, name="it")
        assert await mine.ask(1) == 1
        async with ActorSystem("two", store=store.another()) as two:
            other = await two.spawn(kind, name="it")
            assert await other.ask(5) == 6
        with pytest.raises(PersistenceConflict):
            await mine.ask(2)
        assert await mine.ask(read) == 6  # recovered again, with the other's write
        assert await mine.ask(2) == 8


async def test_a_durable_instance_that_failed_before_writing_is_resumed() -> None:
    async with (
        asyncio.timeout(10),
        ActorSystem("kept", store=SharedMemoryStore(), supervisor=RESUME_ALL) as system,
    ):
        acct = await system.spawn(Account, name="acct")
        assert await acct.ask(2) == 2
        with pytest.raises(RuntimeError, match="crash"):
            await acct.ask("crash")
        assert await acct.ask("started_with") == 0  # the same instance: on_start not run again
        assert await acct.ask(1) == 3


class Overtaken(SharedMemoryStore):
    """Once `armed`, its next append or state save is cancelled as it waits (a caller's
    timeout that fired), whose read-back then finds what the store holds: another process's
    write `other` in its place (`"instead"`), its own with `other` after it (`"after"`), or
    nothing (`"nothing"`)."""

    armed = ""
    other: Any = None

    async def append(self, persistence_id: str, expected_seq: int, payloads: Any) -> float:
        if not self.armed:
            return await super().append(persistence_id, expected_seq, payloads)
        if self.armed == "after":
            await super().append(persistence_id, expected_seq, payloads)
            expected_seq += len(payloads)
        if self.armed != "nothing":
            await super().append(persistence_id, expected_seq, [encode(self.other)])
        return await self._cancelled()

    async def save_state(self, persistence_id: str, expected_revision: int, payload: bytes) -> int:
        if not self.armed:
            return await super().save_state(persistence_id, expected_revision, payload)
        if self.armed == "after":
            expected_revision = await super().save_state(persistence_id, expected_revision, payload)
        if self.armed != "nothing":
            await super().save_state(persistence_id, expected_revision, encode(self.other))
        return await self._cancelled()

    async def _cancelled(self) -> NoReturn:
        self.armed = ""
        task = asyncio.current_task()
        assert task is not None
        task.cancel()
        never: asyncio.Future[NoReturn] = asyncio.get_running_loop().create_future()
        await never  # where the cancellation lands


async def given_up(write: Awaitable[None]) -> None:
    """The write under a timeout that fired: the handler fails with its own error."""
    try:
        await write
    except asyncio.CancelledError:
        task = asyncio.current_task()
        assert task is not None
        task.uncancel()
        raise RuntimeError("gave up on the write") from None


class Impatient(EventSourced):
    starts: ClassVar[int] = 0

    def __init__(self) -> None:
        self.total = 0

    def apply(self, event: Any) -> None:
        self.total += event.amount

    async def on_start(self) -> None:
        Impatient.starts += 1

    async def receive(self, message: Any) -> Any:
        if message != "total":
            await given_up(self.persist(Deposited(message)))
        return self.total


class ImpatientCounter(DurableState):
    starts: ClassVar[int] = 0

    async def on_start(self) -> None:
        ImpatientCounter.starts += 1

    async def receive(self, message: Any) -> Any:
        if message != "get":
            await given_up(self.save((self.state or 0) + message))
        return self.state


@pytest.mark.parametrize(
    ("factory", "other", "totals"),
    [
        (Impatient, Deposited(100), {"instead": 101, "after": 103, "nothing": 1}),
        (ImpatientCounter, 100, {"instead": 100, "after": 100, "nothing": 1}),
    ],
    ids=["event-sourced", "durable-state"],
)
@pytest.mark.parametrize("found", ["instead", "after", "nothing"])
async def test_a_cancelled_write_whose_read_back_found_another_writer_is_restarted(
    factory: type[Impatient | ImpatientCounter],
    other: object,
    totals: dict[str, int],
    found: str,
) -> None:
    """The read-back after a cancelled write sees what the store holds: another writer's write
    in place of its own, or after it, leaves the instance behind its store, as a lost conflict
    does; a write that stored nothing leaves it matching, and resumable."""
    factory.starts = 0
    store = Overtaken()
    async with (
        asyncio.timeout(10),
        ActorSystem("cut", store=store, supervisor=RESUME_ALL, metrics=False) as system,
    ):
        ref = await system.spawn(factory, name="writer")
        assert await ref.ask(1) == 1
        store.armed, store.other = found, other
        with pytest.raises(RuntimeError, match="gave up on the write"):
            await ref.ask(2)
        assert await ref.ask("total" if factory is Impatient else "get") == totals[found]
        assert factory.starts == (1 if found == "nothing" else 2)


class RacedOthers(SharedMemoryStore):
    """Its snapshot and reminder writes fail with `PersistenceConflict`, as a SQL store's do
    when a write lost a race on its row twice over: writes that no sequence number fences."""

    async def save_snapshot(self, persistence_id: str, seq: int, payload: bytes) -> None:
        raise PersistenceConflict("the snapshot lost a race on its row")

    async def put_reminder(self, persistence_id: str, reminder: Any) -> None:
        raise PersistenceConflict("the reminder lost a race on its row")


class Snapshotted(Account):
    snapshot_every = 1

    async def receive(self, message: Any) -> Any:
        if message == "remind":
            with contextlib.suppress(PersistenceConflict):
                await self.reminders.start("wake", "wake", 60.0)
            return None
        return await super().receive(message)


@pytest.mark.parametrize("write", ["snapshot", "reminder"])
async def test_an_unfenced_write_that_conflicted_leaves_the_instance_resumable(write: str) -> None:
    """A snapshot or reminder write says nothing of the events the instance applied: it still
    matches its journal, and a failure after it is resumed."""
    async with (
        asyncio.timeout(10),
        ActorSystem("raced", store=RacedOthers(), supervisor=RESUME_ALL) as system,
    ):
        acct = await system.spawn(Snapshotted, name="acct")
        assert await acct.ask(2) == 2  # its snapshot failed, and was logged
        if write == "reminder":
            assert await acct.ask("remind") is None
        with pytest.raises(RuntimeError, match="crash"):
            await acct.ask("crash")
        assert await acct.ask("started_with") == 0  # the same instance: on_start not run again


class Reminded(EventSourced):
    woken: ClassVar[list[int]] = []

    def __init__(self) -> None:
        self.total = 0

    def apply(self, event: Any) -> None:
        self.total += event.amount

    async def receive(self, message: Any) -> Any:
        if message == "remind":
            await self.reminders.start("wake", "wake", 5.0)
        elif message == "wake":
            Reminded.woken.append(self.total)
        elif message != "total":
            await self.persist(Deposited(message))
        return self.total


async def test_a_stale_instance_restarted_keeps_its_reminders_and_the_asks_queued_behind() -> None:
    """The restart that replaces a resume ends the instance's timers, as any restart does: its
    recovery arms the stored reminders again, and the mailbox, asks waiting in it included,
    goes to the new instance."""
    Reminded.woken = []
    store, clock = SharedMemoryStore(), ManualClock()
    async with (
        asyncio.timeout(10),
        ActorSystem("one", store=store, clock=clock, supervisor=RESUME_ALL) as one,
    ):
        acct = await one.spawn(Reminded, name="acct")
        assert await acct.ask("remind") == 0
        assert await acct.ask(1) == 1
        async with ActorSystem("two", store=store.another()) as two:
            # An Account ignores the reminder that its recovery arms, and is due here at once.
            assert await (await two.spawn(Account, name="acct")).ask(5) == 6
        conflicting = asyncio.ensure_future(acct.ask(2))
        queued = asyncio.ensure_future(acct.ask("total"))
        with pytest.raises(PersistenceConflict):
            await conflicting
        assert await queued == 6
        await clock.advance(5.0)
        assert await acct.ask("total") == 6
        assert Reminded.woken == [6]
