"""The white-box views (snapshot, instance, pending_*, ...) report what the runtime counted."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorRef, ActorSystem, OneForOne, Terminated
from actorkit.nats import NatsTransport
from actorkit.testing import (
    ActorSnapshot,
    ManualClock,
    Probe,
    accepting,
    actor_tree,
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
from .shutdown_support import BOUND, shorten_grace
from .testing_support import Echo, Held, Relay


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


class LooksAtItself(Actor):
    """Records its own snapshot's `reserved` as each message begins; waits on an event."""

    def __init__(self, seen: list[int]) -> None:
        self.seen = seen

    async def receive(self, message: Any) -> None:
        if isinstance(message, asyncio.Event):
            await message.wait()
        else:
            self.seen.append(snapshot(self.ref).reserved)


async def test_snapshot_counts_a_place_granted_to_a_waiting_sender(clock: ManualClock) -> None:
    seen: list[int] = []
    gate = asyncio.Event()
    async with ActorSystem(clock=clock) as system:
        ref = await system.spawn(LooksAtItself, seen, mailbox_size=1)
        ref.tell(gate)
        await clock.settle()
        ref.tell("look")  # fills the mailbox: the send below waits for room
        sending = asyncio.ensure_future(ref.send("after"))
        await clock.settle()
        gate.set()
        await sending
        await clock.settle()
    # Taking "look" made room, granted to the sender, whose task had not run yet.
    assert seen == [1, 0]


def test_actor_tree_needs_a_started_system() -> None:
    with pytest.raises(RuntimeError, match="needs a started system"):
        actor_tree(ActorSystem())


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


async def test_cancel_task_ends_a_handler_that_a_shutdown_abandoned(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shorten_grace(monkeypatch)

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
    async with asyncio.timeout(BOUND):
        await system.shutdown(timeout=0.01)  # cancels, waits the grace, abandons it
    assert not ref.is_alive
    [abandoned] = leftover_tasks() - before
    swallow = False
    cancel_task(ref)
    cancel_task(ref)  # harmless twice
    async with asyncio.timeout(5.0):  # safety net only
        await asyncio.wait([abandoned])
    assert abandoned.cancelled()
    cancel_task(ref)  # harmless once the task has ended, too


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
        with pytest.raises(
            TypeError, match=rf"{view.__name__}\(\) needs the ActorRef of a local actor"
        ):
            view(not_local)


class Listens(Actor):
    """Subscribed to "news", watching `watched`: reached by a publish and a `Terminated`."""

    def __init__(self, watched: ActorRef) -> None:
        self.watched = watched

    async def on_start(self) -> None:
        self.subscribe("news")
        self.watch(self.watched)

    async def receive(self, message: Any) -> Any:
        return message


@pytest.mark.parametrize("first", ["publish", "terminated"])
async def test_what_reaches_an_actor_whose_parked_task_was_just_cancelled_is_a_dead_letter(
    first: str,
) -> None:
    """Its task cancelled while parked (`cancel_task`, or the end of `asyncio.run` cancelling
    every task), the waiter it parked on is cancelled with it: a publish or a watched actor's
    `Terminated` that reaches it before its task unwinds must not fail on that waiter (nor
    fail its sender), and ends as a dead letter of the close the unwinding makes."""
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        watched = await system.spawn(Echo, name="watched")
        ref = await system.spawn(Listens, watched, name="listens")
        assert await ref.ask("parked") == "parked"
        cancel_task(ref)
        if first == "publish":
            assert system.publish("news", "told") == 1
        else:
            await watched.stop()
        await ref.stop()
        assert not ref.is_alive
        [letter] = system.dead_letters.recent
        assert letter.recipient == "/listens"
        expected = "told" if first == "publish" else Terminated(watched, None)
        assert letter.message == expected
        assert system.accounting().balanced
