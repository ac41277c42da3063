"""Reminders: stored by (persistence id, key), armed while their owner runs, in any system on
the store, delivered at least once, ended only by cancel; due times are wall-clock times,
waited for on the system clock (a ManualClock's own time here)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.persistence import (
    DurableState,
    EventSourced,
    MemoryStore,
    PersistenceError,
    StoredReminder,
)
from actorkit.testing import ManualClock

from .durable_support import Deposited, MakeStore, Unregistered

pytestmark = pytest.mark.timeout(30)


class Owner(DurableState):
    """Records every message it gets; `("start", key, message, delay, every)` and
    `("cancel", key)` drive its reminders."""

    def __init__(self) -> None:
        self.got: list[Any] = []

    async def on_start(self) -> None:
        self.started_with = list(self.got)  # reminders fire after on_start, never before

    async def receive(self, message: Any) -> Any:
        if message == "got":
            return self.got
        if message == "started_with":
            return self.started_with
        if message == "crash":
            raise RuntimeError("crash")
        if isinstance(message, tuple) and message[0] == "start":
            return await self.reminders.start(*message[1:])
        if isinstance(message, tuple) and message[0] == "cancel":
            return await self.reminders.cancel(message[1])
        self.got.append(message)
        return None


async def test_a_reminder_fires_on_the_system_clock_and_repeats_until_cancelled(
    make: MakeStore,
) -> None:
    clock = ManualClock()
    async with ActorSystem("r", store=make(), clock=clock) as system:
        owner = await system.spawn(Owner, name="owner")
        await owner.ask(("start", "once", Deposited(1), 10.0, None))
        await owner.ask(("start", "tick", "tick", 5.0, 5.0))
        await clock.advance(4.9)
        assert await owner.ask("got") == []
        await clock.advance(5.2)  # 10.1
        assert sorted(map(str, await owner.ask("got"))) == sorted(
            ["tick", "tick", str(Deposited(1))]
        )
        assert await owner.ask(("cancel", "tick")) is True
        assert await owner.ask(("cancel", "tick")) is False
        await clock.advance(20.0)
        assert (await owner.ask("got")).count("tick") == 2


async def test_a_restart_rearms_the_reminders_of_the_new_instance(make: MakeStore) -> None:
    clock = ManualClock()
    async with ActorSystem("r", store=make(), clock=clock) as system:
        owner = await system.spawn(Owner, name="owner")
        await owner.ask(("start", "tick", "tick", 5.0, 5.0))
        owner.tell("crash")
        assert await owner.ask("started_with") == []  # restarted and recovered
        await clock.advance(5.0)
        assert await owner.ask("got") == ["tick"]


async def test_another_system_on_the_store_rearms_them_and_due_ones_fire_after_recovery(
    make: MakeStore,
) -> None:
    async with ActorSystem("first", store=make(), clock=ManualClock()) as system:
        owner = await system.spawn(Owner, name="owner")
        await owner.ask(("start", "once", "once", 10.0, None))
        await owner.ask(("start", "tick", "tick", 10.0, 4.0))
    # The "process" is gone; the next one starts 21 s later on the wall clock.
    clock = ManualClock(21.0)
    async with ActorSystem("second", store=make(), clock=clock) as system:
        owner = await system.spawn(Owner, name="owner")
        await clock.advance(0.0)
        assert await owner.ask("started_with") == []
        assert sorted(await owner.ask("got")) == ["once", "tick"]  # due at 10 and 18
        await clock.advance(0.9)  # 21.9: the tick grid is 10, 14, 18, 22, ...
        assert (await owner.ask("got")).count("tick") == 1
        await clock.advance(0.1)
        assert (await owner.ask("got")).count("tick") == 2
        # At least once, ended only by cancel: the one-shot comes back with every start.
        assert await owner.ask(("cancel", "once")) is True


async def test_a_stopped_owner_gets_nothing_and_its_reminders_wait_in_the_store(
    make: MakeStore,
) -> None:
    clock = ManualClock()
    async with ActorSystem("r", store=make(), clock=clock) as system:
        owner = await system.spawn(Owner, name="owner")
        await owner.ask(("start", "tick", "tick", 1.0, 1.0))
        await owner.stop()
        await clock.advance(5.0)
        assert system.dead_letters.count == 0
        owner = await system.spawn(Owner, name="owner")
        await clock.advance(0.0)
        assert await owner.ask("got") == ["tick"]


class Busy(Owner):
    """An owner with a timer of its own, and a handler to hold it busy while ticks queue."""

    async def receive(self, message: Any) -> Any:
        if isinstance(message, asyncio.Event):
            await message.wait()
            return None
        if message == "mine":
            self.timers.start_once("mine", "mine", 5.0)
            return None
        if message == "cancel_all":
            self.timers.cancel_all()
            return None
        return await super().receive(message)


async def test_cancel_all_ends_the_actor_s_timers_and_leaves_its_reminders(
    make: MakeStore,
) -> None:
    """Only `reminders.cancel` ends a reminder: neither its timer nor a tick it has queued
    goes with the actor's own timers."""
    clock = ManualClock()
    async with asyncio.timeout(20):
        async with ActorSystem("r", store=make(), clock=clock) as system:
            owner = await system.spawn(Busy, name="owner")
            await owner.ask(("start", "tick", "tick", 5.0, 5.0))
            await owner.ask("mine")
            release = asyncio.Event()
            owner.tell(release)
            owner.tell("cancel_all")
            await clock.advance(5.0)  # both ticks queue behind "cancel_all"
            release.set()
            assert await owner.ask("got") == ["tick"]
            await clock.advance(5.0)
            assert await owner.ask("got") == ["tick", "tick"]


class Lookalike(Owner):
    """An owner whose own timers have keys made of a reminder's kind of timer and its key."""

    async def receive(self, message: Any) -> Any:
        if message == "lookalikes":
            for kind in ("reminder", "overdue"):
                self.timers.start_once((kind, "tick"), kind, 5.0)
            return self.timers.cancel(("reminder", "tick"))
        return await super().receive(message)


async def test_no_key_of_the_user_s_is_a_reminder_s(make: MakeStore) -> None:
    """The user's timers under such keys neither replace the reminder's timer nor are
    cancelled with it, and cancelling one of them leaves the reminder."""
    clock = ManualClock()
    async with asyncio.timeout(20):
        async with ActorSystem("r", store=make(), clock=clock) as system:
            owner = await system.spawn(Lookalike, name="owner")
            await owner.ask(("start", "tick", "tick", 5.0, None))
            assert await owner.ask("lookalikes") is True
            await clock.advance(5.0)
            assert sorted(await owner.ask("got")) == ["overdue", "tick"]


class Journaled(EventSourced):
    def apply(self, event: Any) -> None:
        """No state."""

    async def receive(self, message: Any) -> Any:
        return await self.reminders.start(*message)


@pytest.mark.parametrize(
    ("arguments", "error", "match"),
    [
        (("k", Unregistered(1), 1.0), TypeError, "reminder's message cannot be stored"),
        (("", "m", 1.0), ValueError, "reminder key must be a non-empty str"),
        ((42, "m", 1.0), ValueError, "reminder key must be a non-empty str"),
        (("a\x00b", "m", 1.0), ValueError, r"reminder key must not contain NUL"),
        (("k", "m", -1.0), ValueError, "delay"),
        (("k", "m", 1.0, 0.0), ValueError, r"every must be > 0 seconds and finite, got 0\.0; "),
        (("k", "m", 1.0, -1), ValueError, r"every must be > 0 seconds .* pass every=None for a"),
        (("k", "m", 1.0, float("nan")), ValueError, "every must be"),
        (("k", "m", 1.0, 5e-324), ValueError, r"every must be at least 1e-09 s.* every=None"),
        (("k", "m", 1.0, "1"), TypeError, "every must be a number of seconds"),
        (("k\x00", "m", 1.0), ValueError, "reminder key must not contain NUL"),
        (("x" * 100_000 + "\x00", "m", 1.0), ValueError, "reminder key must not contain NUL"),
        (("x" * 1025, "m", 1.0), ValueError, r"at most 1024 characters \(bytes of UTF-8\)"),
        (("k\udcff", "m", 1.0), ValueError, "reminder key must be text UTF-8 can encode"),
    ],
)
async def test_bad_reminders_are_refused_before_anything_is_stored(
    make: MakeStore, arguments: tuple[Any, ...], error: type[Exception], match: str
) -> None:
    async with ActorSystem("bad", store=(store := make()), clock=ManualClock()) as system:
        actor = await system.spawn(Journaled, name="j")
        with pytest.raises(error, match=match):
            await actor.ask(arguments)
        assert await store.reminders("/j") == []


async def test_a_key_with_nul_is_a_value_error_for_cancel_too_not_a_store_failure() -> None:
    """Every store refuses NUL; checked before the store, it is the caller's mistake, not an
    outage for the supervisor to ride out."""
    async with asyncio.timeout(10):
        async with ActorSystem("bad", store=MemoryStore(), clock=ManualClock()) as system:
            owner = await system.spawn(Owner, name="owner")
            with pytest.raises(ValueError, match="reminder key must not contain NUL"):
                await owner.ask(("cancel", "a\x00b"))


async def test_a_memory_store_keeps_no_table_for_an_owner_whose_reminders_all_ended() -> None:
    """Owners come and go in a long-running process: one whose every reminder was cancelled
    leaves nothing in the store."""
    store = MemoryStore()
    async with store:
        for n in range(100):
            reminder = StoredReminder("tick", 10.0, None, b"\xc0")
            await store.put_reminder(f"owner-{n}", reminder)
            assert await store.delete_reminder(f"owner-{n}", "tick")
            assert not await store.delete_reminder(f"owner-{n}", "tick")
        assert store._reminders == {}  # noqa: SLF001 - what the store keeps, not what it says


async def test_a_reminder_that_no_longer_decodes_fails_recovery_until_deleted() -> None:
    """As an event that does not decode: nothing stored is skipped silently. The way out the
    docs give (delete it from the store) lets the owner start again."""
    store = MemoryStore()
    async with asyncio.timeout(10):
        async with ActorSystem("bad", store=store, clock=ManualClock()) as system:
            await store.put_reminder("/owner", StoredReminder("tick", 10.0, None, b"\xc1"))
            with pytest.raises(PersistenceError, match="reminder 'tick'"):
                await system.spawn(Owner, name="owner")
            assert await store.delete_reminder("/owner", "tick")
            owner = await system.spawn(Owner, name="owner")
            assert await owner.ask("got") == []
