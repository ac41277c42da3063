"""Pub-sub through the system: NATS wildcard rules, once per actor, dead letters (API 4, 9)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from prometheus_client import generate_latest

from actorkit import (
    DEAD_LETTER_TOPIC,
    Actor,
    ActorRef,
    ActorStopped,
    ActorSystem,
    DeadLetter,
    PoolRef,
)
from actorkit._dead_letters import RECENT_LIMIT
from actorkit.testing import Probe, snapshot, subscription_count


class Inbox(Actor):
    def __init__(self, *patterns: str) -> None:
        self.patterns = patterns
        self.got: list[Any] = []

    async def on_start(self) -> None:
        for pattern in self.patterns:
            self.subscribe(pattern)

    async def receive(self, message: Any) -> Any:
        if message == "got":
            return list(self.got)
        if message == "crash":
            raise RuntimeError("crash")
        self.got.append(message)
        return None


async def got(ref: Any) -> list[Any]:
    return list(await ref.ask("got"))


@pytest.mark.parametrize(
    ("pattern", "topic", "matches"),
    [
        ("a.*", "a.b", True),
        ("a.*", "a.b.c", False),
        ("a.*", "a", False),
        ("a.>", "a.b", True),
        ("a.>", "a.b.c", True),
        ("a.>", "a", False),
        ("*.b", "a.b", True),
        ("a.*.c", "a.x.c", True),
        ("a.*.c", "a.x.d", False),
        (">", "anything.at.all", True),
        ("a.b", "a.b", True),
        ("a.b", "a.b.c", False),
    ],
)
async def test_nats_wildcard_table(pattern: str, topic: str, matches: bool) -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(Inbox, pattern)
        assert system.publish(topic, "m") == int(matches)
        assert await got(ref) == (["m"] if matches else [])


async def test_each_actor_gets_a_publish_once_even_with_overlapping_patterns() -> None:
    async with ActorSystem() as system:
        both = await system.spawn(Inbox, "orders.*", "orders.>", "orders.eu")
        other = await system.spawn(Inbox, "orders.eu")
        assert system.publish("orders.eu", 1) == 2
        assert await got(both) == [1]
        assert await got(other) == [1]


async def test_no_subscribers_is_a_dead_letter() -> None:
    async with ActorSystem() as system:
        assert system.publish("nobody.home", "hello") == 0
        assert system.dead_letters.by_reason == {"no_subscribers": 1}
        letter = system.dead_letters.recent[-1]
        assert (letter.message, letter.recipient) == ("hello", "nobody.home")


async def test_recent_dead_letters_are_a_bounded_list_as_the_contract_says() -> None:
    """API.md §9: `.recent` is a bounded list of `DeadLetter`, so what a caller does with a
    list (slice it, compare it to one) works, and it stays the same list while more arrive."""
    async with asyncio.timeout(10):
        async with ActorSystem() as system:
            for i in range(RECENT_LIMIT + 2):
                system.publish("nobody.home", i)
            recent = system.dead_letters.recent
            assert isinstance(recent, list) and len(recent) == RECENT_LIMIT
            assert [letter.message for letter in recent[-2:]] == [RECENT_LIMIT, RECENT_LIMIT + 1]
            assert recent[0].message == 2
            for _ in recent[:3]:
                system.publish("nobody.home", "while iterating")
            assert len(recent) == RECENT_LIMIT and recent[-1].message == RECENT_LIMIT + 1
            assert system.dead_letters.recent[-1].message == "while iterating"


async def test_full_mailbox_is_a_dead_letter_and_publish_does_not_raise() -> None:
    gate, entered = asyncio.Event(), asyncio.Event()

    class Blocked(Actor):
        async def on_start(self) -> None:
            self.subscribe("t")

        async def receive(self, message: Any) -> Any:
            if message == "wait":
                entered.set()
                await gate.wait()
            return message

    async with ActorSystem() as system:
        blocked = await system.spawn(Blocked, mailbox_size=1)
        fine = await system.spawn(Inbox, "t")
        blocked.tell("wait")
        await entered.wait()
        assert system.publish("t", 1) == 2
        assert system.publish("t", 2) == 1
        assert system.dead_letters.by_reason == {"mailbox_full": 1}
        assert system.dead_letters.recent[-1].recipient == blocked.path
        stats = system.metrics.stats_for(Blocked)  # `actorkit_mailbox_dropped_total`
        assert stats is not None and stats.dropped == 1
        gate.set()
        assert await got(fine) == [1, 2]


@pytest.mark.parametrize("mailbox_size", [None, 3])
async def test_publishes_to_busy_and_parked_actors_are_counted_and_kept_in_order(
    mailbox_size: int | None,
) -> None:
    gate, entered = asyncio.Event(), asyncio.Event()

    class Busy(Inbox):
        async def receive(self, message: Any) -> Any:
            if message == "wait":
                entered.set()
                await gate.wait()
                return None
            return await super().receive(message)

    async with ActorSystem() as system:
        busy = await system.spawn(Busy, "t", mailbox_size=mailbox_size)
        parked = await system.spawn(Inbox, "t", mailbox_size=mailbox_size)
        busy.tell("wait")
        await entered.wait()
        assert [system.publish("t", i) for i in range(5)] == (
            [2] * 5 if mailbox_size is None else [2, 2, 2, 0, 0]
        )
        counts = snapshot(busy).accounting
        assert counts.balanced
        assert (counts.accepted, counts.queued) == ((6, 5) if mailbox_size is None else (4, 3))
        gate.set()
        kept = [0, 1, 2, 3, 4] if mailbox_size is None else [0, 1, 2]
        assert await got(busy) == kept
        assert await got(parked) == kept
        refused = {} if mailbox_size is None else {"mailbox_full": 4}
        assert system.dead_letters.by_reason == refused
        for ref in (busy, parked):
            assert snapshot(ref).accounting.balanced


async def test_subscriptions_survive_restarts_and_go_with_a_stop() -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(Inbox, "news")
        with pytest.raises(RuntimeError):
            await ref.ask("crash")
        assert system.publish("news", "after restart") == 1
        assert await got(ref) == ["after restart"]
        await ref.stop()
        assert system.publish("news", "after stop") == 0
        assert subscription_count(system) == 0


async def test_unsubscribe_one_pattern_or_all() -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(Inbox, "a", "b", "c")
        system.unsubscribe(ref, "a")
        assert system.publish("a", 1) == 0
        assert system.publish("b", 2) == 1
        system.unsubscribe(ref)
        assert system.publish("c", 3) == 0
        assert await got(ref) == [2]


async def test_system_subscribe_from_outside_an_actor() -> None:
    async with ActorSystem() as system:
        probe = await Probe.spawn(system)
        system.subscribe(probe.ref, "metrics.*")
        system.publish("metrics.cpu", 0.5)
        await probe.expect(0.5)


async def test_subscribing_a_stopped_actor_is_refused() -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(Inbox)
        await ref.stop()
        with pytest.raises(ActorStopped):
            system.subscribe(ref, "x")


@pytest.mark.parametrize(
    ("topic", "rule"),
    [
        ("", "must not be empty"),
        ("a..b", "empty token"),
        (".a", "empty token"),
        ("a.*", "must not contain"),
        ("a.>", "must not contain"),
    ],
)
async def test_bad_publish_topics_say_the_rule(topic: str, rule: str) -> None:
    async with ActorSystem() as system:
        await system.spawn(Inbox, ">")
        with pytest.raises(ValueError, match=rule):
            system.publish(topic, "m")


@pytest.mark.parametrize(
    ("pattern", "rule"),
    [
        ("", "must not be empty"),
        ("a..b", "empty token"),
        ("a.>.b", "last token"),
        ("a*", "whole tokens"),
    ],
)
async def test_bad_patterns_say_the_rule(pattern: str, rule: str) -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(Inbox)
        with pytest.raises(ValueError, match=rule):
            system.subscribe(ref, pattern)


async def test_dead_letters_can_be_watched_on_a_topic() -> None:
    async with ActorSystem() as system:
        probe = await Probe.spawn(system)
        system.subscribe(probe.ref, DEAD_LETTER_TOPIC)
        gone = await system.spawn(Inbox)
        await gone.stop()
        gone.tell("lost")
        letter = await probe.expect(DeadLetter)
        assert (letter.message, letter.reason, letter.recipient) == ("lost", "stopped", gone.path)
        system.unsubscribe(probe.ref)
        system.publish("nobody", "x")  # no watcher now, and no dead letter about dead letters
        assert system.dead_letters.count == 2


async def test_publish_to_a_pool_routes_to_one_member() -> None:
    async with ActorSystem() as system:
        pool = await system.spawn_pool(Inbox, size=3)
        system.subscribe(pool, "jobs")
        for i in range(6):
            assert system.publish("jobs", i) == 1
        # Through the pool's own mailbox: answered once the six publishes were routed.
        await ActorRef.ask(pool, "flush")
        assert isinstance(pool, PoolRef)
        per_member = [[m for m in await got(member) if m != "flush"] for member in pool.members]
        assert sorted(m for ms in per_member for m in ms) == list(range(6))
        assert all(len(ms) == 2 for ms in per_member)


async def test_a_dead_letter_copy_a_full_watcher_cannot_take_is_counted_as_dropped() -> None:
    """Not a dead letter about a dead letter (that would loop), but not silent either: the
    watcher's class counts it in `actorkit_mailbox_dropped_total`, as a refused tell."""
    async with ActorSystem() as system:
        watcher = await system.spawn(Inbox, mailbox_size=1)
        system.subscribe(watcher, DEAD_LETTER_TOPIC)
        gone = await system.spawn(Inbox)
        await gone.stop()
        for n in range(3):  # the watcher's one place takes the first copy
            gone.tell(n)
        assert system.dead_letters.count == 3
        text = generate_latest(system.metrics.registry).decode()
        assert 'actorkit_mailbox_dropped_total{actor_type="Inbox"} 2.0' in text
