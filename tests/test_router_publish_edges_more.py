"""More of what a publish does around the user code it runs (docs/api.md §9, Router): a copy
refused by an actor in the close that stops it, a later subscriber that a dead-letter
watcher's `hash_key` unsubscribes while an earlier refusal is recorded, and the subscribers
such code unsubscribes, which the router keeps only until the delivery under way ends."""

from __future__ import annotations

import asyncio
import gc
import weakref

from actorkit import DEAD_LETTER_TOPIC, ActorRef, ActorSystem, Backoff, OneForOne
from actorkit.testing import ManualClock

from .test_close_window_refusals import Flaky, Watcher, fates
from .test_router_publish_edges import Idle, blocked_and_full, dropped, hashed, once


async def test_a_publish_to_an_actor_in_its_unrestarted_close_is_a_dead_letter_stopped(
    clock: ManualClock,
) -> None:
    """Its mailbox is closed, the actor not yet: its copy is a dead letter `stopped`, as a
    tell's there, not its class's refused tell."""
    strategy = OneForOne(backoff=Backoff(min=30.0, max=60.0, jitter=0))
    late: list[int] = []
    async with asyncio.timeout(5):
        system = ActorSystem(clock=clock, supervisor=strategy)
        await system.start()
        publish = once(lambda: late.append(system.publish("v", "late")))
        pool = await system.spawn_pool(Watcher, size=1, routing="consistent_hash", hash_key=publish)
        system.subscribe(pool, DEAD_LETTER_TOPIC)
        flaky = await system.spawn(Flaky, name="flaky", mailbox_size=4)
        system.subscribe(flaky, "v")
        flaky.tell("crash")
        await clock.settle()  # waiting out its backoff, its mailbox kept
        flaky.tell("queued")
        await system.shutdown()
        assert late == [0]
        assert fates(system) == [
            ("queued", flaky.path, "not_restarted"),
            ("late", flaky.path, "stopped"),
        ]
        assert dropped(system, "Flaky") == 0


async def test_a_later_subscriber_a_watcher_unsubscribes_as_a_refusal_is_recorded() -> None:
    """The first subscriber's refusal is a dead letter, whose record a watcher pool routes:
    its `hash_key` unsubscribes the second subscriber, matched by the same publish, which
    refuses its copy too. Its dead letter still names it."""
    async with asyncio.timeout(5), ActorSystem() as system:
        first, first_gate = await blocked_and_full(system)
        second, second_gate = await blocked_and_full(system)
        unsubscribe = once(lambda: system.unsubscribe(second))
        pool = await hashed(system, unsubscribe, size=1)
        system.subscribe(pool, DEAD_LETTER_TOPIC)
        system.subscribe(first, "t")
        system.subscribe(second, "t")
        try:
            assert system.publish("t", "news") == 0
        finally:
            first_gate.set()
            second_gate.set()
        assert [(d.message, d.recipient, d.reason) for d in system.dead_letters.recent] == [
            ("news", first.path, "mailbox_full"),
            ("news", second.path, "mailbox_full"),
        ]
        assert dropped(system, "Blocker") == 2
        assert [await first.ask("got"), await second.ask("got")] == [["fill"], ["fill"]]
        assert system.publish("t", "later") == 1  # the second left: the first alone now


async def freed(system: ActorSystem, held: list[ActorRef]) -> None:
    """Stop the one actor in `held`, drop it, and check that nothing keeps its cell (which
    holds its ref: the ref outlives the cell only if something still holds the cell)."""
    ref = held.pop()
    alive = weakref.ref(ref)
    await ref.stop()
    del ref
    turner = await system.spawn(Idle)
    assert await turner.ask("turn") == "turn"
    gc.collect()
    assert alive() is None, [type(r).__name__ for r in gc.get_referrers(alive())]


async def test_a_subscriber_a_hash_key_unsubscribes_is_let_go_as_the_publish_ends() -> None:
    """Also after an earlier publish that a full mailbox refused, whose dead letter ran the
    watchers: each delivery lets go of what left in it."""
    async with asyncio.timeout(5), ActorSystem() as system:
        full, gate = await blocked_and_full(system)
        system.subscribe(full, "full")
        try:
            assert system.publish("full", "refused") == 0
        finally:
            gate.set()
        held: list[ActorRef] = [await system.spawn(Idle)]
        unsubscribe = once(lambda: system.unsubscribe(held[0]))
        pool = await hashed(system, unsubscribe)
        system.subscribe(pool, "t")
        system.subscribe(held[0], "t")
        assert system.publish("t", "news") == 2
        await freed(system, held)


async def test_a_watcher_a_hash_key_unsubscribes_is_let_go_as_the_record_ends() -> None:
    """The same for a dead letter recorded outside any publish (a tell to a stopped actor),
    whose record a watcher pool routes."""
    async with asyncio.timeout(5), ActorSystem() as system:
        held: list[ActorRef] = [await system.spawn(Idle)]
        unsubscribe = once(lambda: system.unsubscribe(held[0]))
        pool = await hashed(system, unsubscribe, size=1)
        system.subscribe(pool, DEAD_LETTER_TOPIC)
        system.subscribe(held[0], DEAD_LETTER_TOPIC)
        gone = await system.spawn(Idle)
        await gone.stop()
        gone.tell("lost")
        assert system.dead_letters.by_reason == {"stopped": 1}
        await freed(system, held)


async def test_unsubscribed_outside_any_delivery_is_let_go_at_once(clock: ManualClock) -> None:
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        held: list[ActorRef] = [await system.spawn(Idle)]
        system.subscribe(held[0], "t")
        system.unsubscribe(held[0])
        await freed(system, held)
