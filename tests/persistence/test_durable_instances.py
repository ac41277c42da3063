"""Which instance writes: only the live one. One replaced by a restart, or whose actor
stopped, is refused with `ActorStopped` before anything is written, also when a task it left
running calls persist, save or reminders; a write it had in flight when it was replaced (a
reminder's too) is waited for by the next instance's recovery. The live instance writes from
any of its tasks, one write at a time."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import ActorStopped, ActorSystem
from actorkit.persistence import MemoryStore
from actorkit.testing import ManualClock, instance

from .instances_support import (
    CLASSES,
    HeardLate,
    HeldWrites,
    Leaves,
    Ledger,
    Note,
    go_now,
    leave_held,
    stored,
)

pytestmark = pytest.mark.timeout(30)


def refusal(cls: type[Ledger | Note], action: str) -> str:
    """How the refusal of `action` begins: the call, as the user wrote it."""
    if action == "write":
        return f"{'persist' if cls is Ledger else 'save'} refused: "
    return f"reminders.{'start' if action == 'remind' else 'cancel'}('r') refused: "


@pytest.mark.parametrize("retired", ["restarted", "stopped"])
@pytest.mark.parametrize("action", ["write", "remind", "cancel"])
@pytest.mark.parametrize("cls", CLASSES)
async def test_a_retired_instance_s_left_task_writes_nothing_and_says_so_in_user_terms(
    cls: type[Ledger | Note], action: str, retired: str
) -> None:
    """Replaced by a restart, or its actor stopped: the write of a task it left running is
    refused before anything is stored, and the live (or next) instance goes on unhindered."""
    async with asyncio.timeout(10):
        async with ActorSystem("z", store=(store := MemoryStore())) as system:
            ref = await system.spawn(cls, asyncio.Queue(), name="a")
            await ref.ask(1)
            await ref.ask("remind")
            reminders = await store.reminders("/a")
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
            assert await stored(store, cls) == [1]
            assert await store.reminders("/a") == reminders
            if retired == "stopped":
                ref = await system.spawn(cls, asyncio.Queue(), name="a")
            assert await ref.ask(5) == [1, 5]  # no conflict: nobody wrote behind its back
            assert await stored(store, cls) == [1, 5]


@pytest.mark.parametrize("retired", ["restarted", "stopped"])
@pytest.mark.parametrize("cls", CLASSES)
async def test_a_write_in_flight_when_its_instance_is_retired_lands_before_the_next_recovers(
    cls: type[Ledger | Note], retired: str
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
            # the old instance's write is in flight
            gate, written = await leave_held(store, ref, "write")
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


async def test_an_instance_stopped_while_it_waits_for_the_write_before_hands_that_write_on() -> (
    None
):
    """The first actor's write is in flight; a second actor on the id is stopped (its spawn
    cancelled) while its recovery waits for that write; a third's recovery waits for it too,
    instead of reading the journal just before it lands (its next write then a conflict)."""
    store = HeldWrites()
    built: asyncio.Queue[object] = asyncio.Queue()
    async with asyncio.timeout(10):
        async with ActorSystem("z", store=store) as system:
            ref = await system.spawn(Ledger, built, name="a")
            await built.get()
            await ref.ask(1)
            gate, written = await leave_held(store, ref, "write")
            await ref.stop()
            second = asyncio.ensure_future(system.spawn(Ledger, built, name="a"))
            await built.get()  # the second's recovery waits for the first's write
            second.cancel()
            with pytest.raises(asyncio.CancelledError):
                await second
            third = asyncio.ensure_future(system.spawn(Ledger, built, name="a"))
            await built.get()
            gate.set()
            assert await written == "done"
            ref = await third
            assert await ref.ask("get") == [1, 100]
            assert await ref.ask(5) == [1, 100, 5]


@pytest.mark.parametrize("retired", ["restarted", "stopped"])
@pytest.mark.parametrize("action", ["remind", "cancel"])
async def test_a_reminder_write_in_flight_when_its_instance_is_retired_is_what_the_next_arms(
    action: str, retired: str
) -> None:
    """A `start` or `cancel` the old instance began while it was live is stored, and the next
    instance's recovery waits for it: the started reminder fires there, the cancelled one
    does not. The old instance, which has no timers any more, neither arms nor disarms, and
    its call returns what the store did."""
    store = HeldWrites()
    clock = ManualClock()
    built: asyncio.Queue[object] = asyncio.Queue()
    async with asyncio.timeout(10):
        async with ActorSystem("z", store=store, clock=clock) as system:
            ref = await system.spawn(Ledger, built, name="a")
            await built.get()
            if action == "cancel":
                await ref.ask("remind")  # due in an hour
            # the old instance's reminder write is in flight
            gate, outcome = await leave_held(store, ref, action)
            spawning = None
            if retired == "restarted":
                with pytest.raises(RuntimeError, match="crash"):
                    await ref.ask("crash")
            else:
                await ref.stop()
                spawning = asyncio.ensure_future(system.spawn(Ledger, built, name="a"))
            await built.get()  # the next instance: its recovery has begun
            gate.set()
            assert await outcome == ("done" if action == "remind" else True)
            if spawning is not None:
                ref = await spawning
            await clock.advance(3600.0)
            assert await ref.ask("times fired") == (1 if action == "remind" else 0)
            assert [r.key for r in await store.reminders("/a")] == (
                ["r"] if action == "remind" else []
            )


async def test_a_retired_instance_s_start_cancelled_after_its_write_landed_raises_that() -> None:
    """Stored, the reminder is the next instance's to arm: the old one's cancelled `start`
    raises its `CancelledError`, not the `ActorStopped` of arming a timer it no longer has."""
    store = HeardLate()
    clock = ManualClock()
    built: asyncio.Queue[object] = asyncio.Queue()
    async with asyncio.timeout(10):
        async with ActorSystem("z", store=store, clock=clock) as system:
            ref = await system.spawn(Ledger, built, name="a")
            old = await built.get()
            assert isinstance(old, Leaves)
            # stored; its caller has not heard back
            _, outcome = await leave_held(store, ref, "remind")
            with pytest.raises(RuntimeError, match="crash"):
                await ref.ask("crash")
            await built.get()
            assert old.left is not None
            old.left.cancel()
            with pytest.raises(asyncio.CancelledError):
                await old.left
            assert not outcome.done()
            await clock.advance(0.0)
            assert await ref.ask("times fired") == 1


async def test_a_reminder_stored_while_its_actor_stops_is_kept_for_the_next_start() -> None:
    """Begun by the live instance, it is stored: `start` returns (it is durable), and the
    actor's next start arms it, rather than failing on a timer of the stopped actor."""
    store = HeldWrites()
    async with asyncio.timeout(10):
        async with ActorSystem("z", store=store) as system:
            ref = await system.spawn(Ledger, asyncio.Queue(), name="a")
            gate, started = await leave_held(store, ref, "remind")
            await ref.stop()
            gate.set()
            assert await started == "done"
            assert [r.key for r in await store.reminders("/a")] == ["r"]


@pytest.mark.parametrize("cls", CLASSES)
async def test_the_live_instance_writes_from_any_of_its_tasks_one_write_at_a_time(
    cls: type[Ledger | Note],
) -> None:
    """Orleans' rule, not Akka's: a task the actor started (here while it is idle), or a test
    through `testing.instance`, may write; a second write while one is in flight waits for
    it and commits after it (test_durable_concurrent_writes). A save's value is what its
    caller computed: from the state before the first save had committed."""
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
            second = asyncio.ensure_future(live.write(2))
            gate.set()
            await first
            await second
            expected = [100, 1, 2, 3] if cls is Ledger else [100, 2, 3]
            assert await ref.ask(3) == expected
            assert await stored(store, cls) == expected
