"""`actorkit.testing` is itself a contract: the manual clock fires what falls due in time order
and lets actors react between steps, `settle` fails loudly instead of giving up, the probe
checks what arrives, and the white-box views report exactly what the runtime counted."""

from __future__ import annotations

import asyncio
import pydoc
import time
from typing import Any

import pytest

import actorkit.testing
from actorkit import Actor, ActorSystem, OneForOne
from actorkit.nats import NatsTransport
from actorkit.testing import (
    FORCED_STOP_GRACE,
    ActorSnapshot,
    ManualClock,
    Probe,
    accepting,
    cancel_task,
    instance,
    pending_asks,
    pending_timers,
    snapshot,
    snapshots,
    subscription_count,
    transport,
)

from .conftest import leftover_tasks


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError("crashed on purpose")
        return message


class Held(Actor):
    """Handles an `asyncio.Event` by waiting for it: busy until the test releases it."""

    async def receive(self, message: Any) -> Any:
        if isinstance(message, asyncio.Event):
            await message.wait()
        return message


class Spinner(Actor):
    """Tells itself forever: never quiet, though it never blocks the loop."""

    async def receive(self, message: Any) -> Any:
        self.ref.tell(message)


class Relay(Actor):
    """On each `(n, probe)`, reports n and asks its own timers for n + 1 one second later."""

    async def receive(self, message: Any) -> Any:
        n, probe = message
        probe.tell(n)
        self.timers.start_once("next", (n + 1, probe), 1.0)


# --- ManualClock: time ------------------------------------------------------------------
async def test_the_clock_starts_where_told_and_moves_only_when_advanced() -> None:
    assert ManualClock().now() == 0.0
    clock = ManualClock(start=100)
    assert clock.now() == 100.0
    await clock.advance(2.5)
    assert clock.now() == 102.5
    await clock.advance(0)
    assert clock.now() == 102.5


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf")])
async def test_advance_refuses_what_is_not_a_duration(bad: float) -> None:
    with pytest.raises(ValueError, match="advance"):
        await ManualClock().advance(bad)


async def test_advance_fires_what_falls_due_in_time_order_at_its_time() -> None:
    clock = ManualClock()
    fired: list[tuple[str, float]] = []
    for name, when in [("c", 3.0), ("a", 1.0), ("late", 9.0), ("b", 2.0), ("a2", 1.0)]:
        clock.call_at(when, lambda name=name: fired.append((name, clock.now())))
    await clock.advance(3.0)
    # In time order, ties in the order they were scheduled, each seeing its own due time.
    assert fired == [("a", 1.0), ("a2", 1.0), ("b", 2.0), ("c", 3.0)]
    assert (clock.pending, clock.next_due()) == (1, 9.0)


async def test_advance_reaches_what_float_rounding_puts_a_hair_past_its_target() -> None:
    clock = ManualClock()
    fired: list[tuple[str, float]] = []
    for name, when in [("rounded", 0.1 + 0.2), ("later", 0.3 + 1e-6)]:
        clock.call_at(when, lambda name=name: fired.append((name, clock.now())))
    await clock.advance(0.3)
    assert fired == [("rounded", 0.1 + 0.2)]  # 0.30000000000000004, at its own time
    assert clock.now() == 0.1 + 0.2  # never back to 0.3: time does not run backwards
    assert clock.next_due() == 0.3 + 1e-6
    await clock.advance(1e-6)
    assert [name for name, _ in fired] == ["rounded", "later"]


@pytest.mark.parametrize("start", [1e6, 9e8])
async def test_the_rounding_slack_stays_a_microsecond_far_from_zero(start: float) -> None:
    clock = ManualClock(start=start)
    fired: list[float] = []
    clock.call_at(start + 1.0005, lambda: fired.append(clock.now()))
    await clock.advance(1.0)
    assert fired == [] and clock.now() == start + 1.0
    await clock.advance(0.0005)
    assert fired == [start + 1.0005]


async def test_a_cancelled_entry_never_fires_and_is_not_pending() -> None:
    clock = ManualClock()
    fired: list[str] = []
    first = clock.call_at(1.0, lambda: fired.append("first"))
    clock.call_at(2.0, lambda: fired.append("second"))
    first.cancel()
    assert (clock.pending, clock.next_due()) == (1, 2.0)
    await clock.advance(5.0)
    assert fired == ["second"]
    assert (clock.pending, clock.next_due()) == (0, None)


async def test_what_a_callback_schedules_inside_the_window_fires_in_the_same_advance() -> None:
    clock = ManualClock()
    fired: list[float] = []

    def tick() -> None:
        fired.append(clock.now())
        clock.call_at(clock.now() + 1.0, tick)

    clock.call_at(1.0, tick)
    await clock.advance(3.5)
    assert fired == [1.0, 2.0, 3.0]
    assert clock.next_due() == 4.0


async def test_a_periodic_timer_fires_once_per_interval_passed(clock: ManualClock) -> None:
    async with ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        system.schedule_every(1.0, probe.ref, "tick")
        await clock.advance(3.5)  # due at 1, 2 and 3
        assert probe.pending == 3
        await clock.advance(0.5)  # and at 4
        assert probe.pending == 4
        system.schedule_every(2.0, probe.ref, "slow", initial_delay=0.5)
        await clock.advance(4.0)  # ticks at 5, 6, 7, 8; slow at 4.5, 6.5
        received = [await probe.receive() for _ in range(probe.pending)]
        assert received.count("tick") == 8 and received.count("slow") == 2


async def test_actors_react_between_steps_of_one_advance(clock: ManualClock) -> None:
    # Each message's handler arms the next timer: only letting the actor run after each due
    # time lets the chain through one advance.
    async with ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        relay = await system.spawn(Relay)
        relay.tell((0, probe.ref))
        await clock.advance(3.5)
        assert [await probe.receive() for _ in range(probe.pending)] == [0, 1, 2, 3]


# --- ManualClock: settle ----------------------------------------------------------------
async def test_settle_returns_once_every_actor_is_parked(clock: ManualClock) -> None:
    async with ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        for n in range(100):
            probe.ref.tell(n)
        await clock.settle()
        assert probe.pending == 100
        assert all(s.parked for s in snapshots(system))


async def test_settle_counts_a_handler_waiting_on_the_test_as_quiet(clock: ManualClock) -> None:
    gate = asyncio.Event()
    async with ActorSystem(clock=clock) as system:
        ref = await system.spawn(Held)
        asked = asyncio.ensure_future(ref.ask(gate, timeout=2.0))
        await clock.settle()  # returns: only the test can move the handler on
        assert not snapshot(ref).parked and not asked.done()
        await clock.advance(2.0)  # so advancing past the ask's deadline works
        with pytest.raises(TimeoutError):
            await asked
        gate.set()
        await clock.settle()
        assert snapshot(ref).parked


async def test_settle_raises_when_an_actor_never_goes_quiet(
    clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(actorkit.testing, "SETTLE_LIMIT", 50)
    async with ActorSystem(clock=clock) as system:
        ref = await system.spawn(Spinner)
        ref.tell("again")
        with pytest.raises(RuntimeError, match="did not settle after 50 loop turns") as info:
            await clock.settle()
        assert "still runnable: " in str(info.value)
        with pytest.raises(RuntimeError, match="did not settle"):
            await clock.advance(1.0)  # advance settles first, so it fails the same way
        await ref.stop()
        await clock.settle()


async def test_a_shut_down_system_holds_no_settle_back() -> None:
    clock = ManualClock()
    system = await ActorSystem(clock=clock).start()
    await system.spawn(Echo)
    await system.shutdown()
    await clock.settle()
    await clock.advance(1.0)


# --- Probe ----------------------------------------------------------------------------
async def test_probe_records_messages_in_order_and_checks_each_way() -> None:
    async with ActorSystem() as system:
        probe = await Probe.spawn(system, name="probe")
        assert probe.ref.path == "/probe"
        for message in [1, "two", 3.0, (4,)]:
            probe.ref.tell(message)
        assert await probe.expect(1) == 1  # by equality
        assert await probe.expect(str) == "two"  # by type
        assert await probe.expect(lambda m: m > 2) == 3.0  # by predicate
        assert probe.pending == 1
        with pytest.raises(AssertionError, match=r"probe expected 5, got \(4,\)"):
            await probe.expect(5)
        probe.expect_empty()


async def test_probe_expect_empty_names_the_unexpected_message() -> None:
    async with ActorSystem() as system:
        probe = await Probe.spawn(system)
        probe.ref.tell("surprise")
        await probe.receive()
        await probe.ref.ask("another")  # recorded by the time the ask is answered
        with pytest.raises(AssertionError, match="'another'"):
            probe.expect_empty()


async def test_probe_counts_what_still_waits_in_its_mailbox() -> None:
    async with asyncio.timeout(10), ActorSystem() as system:
        probe = await Probe.spawn(system)
        probe.ref.tell("told")  # the probe's actor has not run yet: both wait in its mailbox
        probe.ref.tell("again")
        assert probe.pending == 2
        with pytest.raises(AssertionError, match="probe has 2 unexpected messages, next: 'told'"):
            probe.expect_empty()
        assert [await probe.receive(), await probe.receive()] == ["told", "again"]
        probe.expect_empty()


async def test_probe_counts_an_ask_still_in_its_mailbox_by_its_message() -> None:
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(10), ActorSystem() as system:
        probe = await Probe.spawn(system)
        seen: asyncio.Future[tuple[int, str]] = loop.create_future()

        def look() -> None:  # after the ask's first step, before the probe's actor runs
            with pytest.raises(AssertionError) as failed:
                probe.expect_empty()
            seen.set_result((probe.pending, str(failed.value)))

        asked = asyncio.ensure_future(probe.ref.ask("asked"))
        loop.call_soon(look)
        assert await seen == (1, "probe has 1 unexpected messages, next: 'asked'")
        assert await asked is None
        assert await probe.receive() == "asked"
        probe.expect_empty()


async def test_probe_answers_asks_with_its_reply() -> None:
    async with ActorSystem() as system:
        probe = await Probe.spawn(system)
        assert await probe.ref.ask("q") is None
        probe.reply = 42
        assert await probe.ref.ask("q") == 42
        assert probe.pending == 2


def test_help_of_probe_says_reply_is_the_attribute_asks_are_answered_with() -> None:
    assert "`probe.reply` is an attribute, not a method" in pydoc.render_doc(Probe)


async def test_probe_receive_times_out_and_checks_its_timeout() -> None:
    async with ActorSystem() as system:
        probe = await Probe.spawn(system)
        with pytest.raises(TimeoutError, match=r"the probe received nothing within 0\.001 s"):
            await probe.receive(timeout=0.001)  # the safety net itself, nothing to wait for
        with pytest.raises(ValueError, match="timeout"):
            await probe.receive(timeout=-1)


def test_a_probe_made_without_spawn_says_how_to_make_one() -> None:
    with pytest.raises(RuntimeError, match=r"Probe\.spawn"):
        _ = Probe().ref


# --- white-box views ------------------------------------------------------------------
async def test_snapshot_reports_what_the_actor_counted(clock: ManualClock) -> None:
    async with ActorSystem(clock=clock) as system:
        ref = await system.spawn(Echo, name="echo", mailbox_size=4, capabilities=("x",))
        for message in ["a", "crash", "b"]:
            ref.tell(message)
        await clock.settle()
        seen = snapshot(ref)
        assert isinstance(seen, ActorSnapshot)
        assert (seen.path, seen.actor_class, seen.state, seen.parked) == (
            "/echo",
            "Echo",
            "running",
            True,
        )
        assert (seen.failures, seen.restarts, seen.reserved) == (1, 1, 0)
        assert (seen.capacity, seen.capabilities, seen.children) == (4, frozenset({"x"}), ())
        counts = seen.accounting
        assert (counts.accepted, counts.processed, counts.crashed, counts.queued) == (3, 2, 1, 0)
        assert counts.balanced
        unbounded = await system.spawn(Echo, mailbox_size=None)
        assert snapshot(unbounded).capacity is None


async def test_snapshot_sees_queued_and_handling_messages(clock: ManualClock) -> None:
    gate = asyncio.Event()
    async with ActorSystem(clock=clock) as system:
        ref = await system.spawn(Held, mailbox_size=1)
        ref.tell(gate)
        await clock.settle()
        ref.tell("queued")
        seen = snapshot(ref)
        assert not seen.parked
        assert (seen.accounting.queued, seen.accounting.handling) == (1, 1)
        sending = asyncio.ensure_future(ref.send("waits for room"))
        await clock.settle()
        gate.set()
        await sending
        await clock.settle()
        assert snapshot(ref).accounting.processed == 3
        assert snapshot(ref).reserved == 0


async def test_snapshots_list_the_root_first_then_every_live_actor() -> None:
    system = ActorSystem()
    assert snapshots(system) == []
    async with system:
        parent = await system.spawn(Echo, name="parent")
        await system.spawn(Echo, name="other")
        roots = [s.path for s in snapshots(system)]
        assert roots == ["/", "/parent", "/other"]
        assert snapshots(system)[0].children == ("parent", "other")
        await parent.stop()
        assert [s.path for s in snapshots(system)] == ["/", "/other"]


async def test_children_are_listed_in_start_order() -> None:
    class Parent(Actor):
        async def on_start(self) -> None:
            for name in ["c", "a", "b"]:
                await self.spawn(Echo, name=name)

        async def receive(self, message: Any) -> Any:
            return None

    async with ActorSystem() as system:
        ref = await system.spawn(Parent)
        assert snapshot(ref).children == ("c", "a", "b")


async def test_pending_asks_counts_asks_until_they_end(clock: ManualClock) -> None:
    gate = asyncio.Event()
    async with ActorSystem(clock=clock) as system:
        ref = await system.spawn(Held)
        asked = asyncio.ensure_future(ref.ask(gate, timeout=5.0))
        await clock.settle()
        assert pending_asks(system) == 1
        gate.set()
        assert await asked is gate
        assert pending_asks(system) == 0


async def test_instance_is_the_current_actor_object(clock: ManualClock) -> None:
    async with ActorSystem(clock=clock, supervisor=OneForOne()) as system:
        ref = await system.spawn(Echo)
        first = instance(ref)
        assert isinstance(first, Echo)
        ref.tell("crash")
        await clock.settle()
        assert isinstance(instance(ref), Echo) and instance(ref) is not first
        await ref.stop()
        assert instance(ref) is None


async def test_cancel_task_ends_a_handler_that_a_shutdown_abandoned() -> None:
    class Stubborn(Actor):
        async def receive(self, message: Any) -> Any:
            entered.set()
            while True:
                try:
                    await asyncio.Event().wait()
                except asyncio.CancelledError:
                    if not swallow:
                        raise

    entered = asyncio.Event()
    swallow = True
    before = leftover_tasks()
    system = await ActorSystem().start()
    ref = await system.spawn(Stubborn)
    ref.tell("block")
    await entered.wait()
    started = time.monotonic()
    await system.shutdown(timeout=0.01)  # cancels, waits FORCED_STOP_GRACE, abandons it
    took = time.monotonic() - started
    assert FORCED_STOP_GRACE - 0.05 < took < 0.01 + FORCED_STOP_GRACE + 0.5
    assert not ref.is_alive
    [abandoned] = leftover_tasks() - before
    swallow = False
    cancel_task(ref)
    cancel_task(ref)  # harmless twice
    async with asyncio.timeout(5.0):  # safety net only
        await asyncio.wait([abandoned])
    assert abandoned.cancelled()


async def test_pending_timers_counts_the_actors_and_the_system_s(clock: ManualClock) -> None:
    async with ActorSystem(clock=clock) as system:
        assert pending_timers(system) == 0
        ref = await system.spawn(Relay)
        probe = await Probe.spawn(system)
        ref.tell((0, probe.ref))
        await probe.expect(0)
        assert pending_timers(system) == 1  # the actor's own "next"
        handle = system.schedule_once(5.0, ref, (10, probe.ref))
        assert pending_timers(system) == 2
        handle.cancel()
        await ref.stop()
        assert pending_timers(system) == 0


async def test_accepting_from_start_until_shutdown_begins() -> None:
    system = ActorSystem()
    assert not accepting(system)
    async with system:
        assert accepting(system)
    assert not accepting(system)


async def test_subscription_count_counts_each_actor_and_pattern() -> None:
    async with ActorSystem() as system:
        assert subscription_count(system) == 0
        ref = await system.spawn(Echo)
        system.subscribe(ref, "news.*")
        system.subscribe(ref, "sport")
        assert subscription_count(system) == 2
        system.unsubscribe(ref, "sport")
        assert subscription_count(system) == 1
        await ref.stop()
        assert subscription_count(system) == 0


def test_transport_is_the_one_the_system_was_built_with() -> None:
    nats = NatsTransport(servers=["nats://127.0.0.1:4222"])
    assert transport(ActorSystem("with-nats", transport=nats)) is nats
    assert transport(ActorSystem()) is None


@pytest.mark.parametrize("not_local", ["/path", object(), None])
def test_views_need_a_local_ref(not_local: Any) -> None:
    for view in (snapshot, instance, cancel_task):
        with pytest.raises(TypeError, match=rf"{view.__name__}\(\) needs a local ActorRef"):
            view(not_local)


async def test_probe_expect_empty_leaves_the_message_it_names_to_be_received() -> None:
    """A check takes nothing: after it failed, the message it named is still the next."""
    async with asyncio.timeout(10), ActorSystem() as system:
        probe = await Probe.spawn(system)
        probe.ref.tell("left over")
        await probe.ref.ask("sync")  # both recorded by the time the ask is answered
        with pytest.raises(AssertionError, match="probe has 2 unexpected messages, next: 'left"):
            probe.expect_empty()
        assert probe.pending == 2
        assert [await probe.receive(), await probe.receive()] == ["left over", "sync"]
        probe.expect_empty()
