"""Pub-sub corners a NATS or Akka EventStream user probes: refusals counted per actor, not per
pattern; a stale ref of a stopped actor touching nothing of the actor reusing its name; the
same pattern twice being one subscription; a handler publishing to its own topic."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorStopped, ActorSystem
from actorkit._topics import DEFAULT_CACHE_SIZE
from actorkit.testing import subscription_count


class Inbox(Actor):
    def __init__(self, log: list[Any]) -> None:
        self.log = log

    async def receive(self, message: Any) -> Any:
        if message != "sync":
            self.log.append((self.ref.name, message))


async def test_a_full_actor_with_several_matching_patterns_is_one_refusal() -> None:
    gate, entered = asyncio.Event(), asyncio.Event()

    class Blocked(Actor):
        async def receive(self, message: Any) -> Any:
            if message == "wait":
                entered.set()
                await gate.wait()

    async with ActorSystem() as system:
        blocked = await system.spawn(Blocked, mailbox_size=1)
        for pattern in ("t.x", "t.*", "t.>", "*.x", ">"):
            system.subscribe(blocked, pattern)
        blocked.tell("wait")
        await entered.wait()
        assert system.publish("t.x", 1) == 1  # queued: the one being handled takes no place
        assert system.publish("t.x", 2) == 0  # full: refused once, not once per pattern
        assert system.dead_letters.by_reason == {"mailbox_full": 1}
        [letter] = system.dead_letters.recent
        assert (letter.message, letter.recipient) == (2, blocked.path)
        gate.set()


async def test_a_stale_ref_of_a_stopped_actor_touches_nothing_of_its_successor() -> None:
    log: list[Any] = []
    async with ActorSystem() as system:
        old = await system.spawn(Inbox, log, name="a")
        system.subscribe(old, "news.*")
        await old.stop()
        new = await system.spawn(Inbox, log, name="a")
        assert system.publish("news.x", 1) == 0  # the name does not bring the subscription
        system.subscribe(new, "news.*")
        system.unsubscribe(old)  # a stopped actor has nothing to drop
        system.unsubscribe(old, "news.*")
        with pytest.raises(ActorStopped):
            system.subscribe(old, "news.*")
        assert subscription_count(system) == 1
        assert system.publish("news.x", 2) == 1
        await new.ask("sync")
        assert log == [("a", 2)]


async def test_the_same_pattern_twice_is_one_subscription_that_one_unsubscribe_ends() -> None:
    log: list[Any] = []
    async with ActorSystem() as system:
        ref = await system.spawn(Inbox, log, name="a")
        system.subscribe(ref, "a.*")
        system.subscribe(ref, "a.*")
        assert subscription_count(system) == 1
        assert system.publish("a.b", 1) == 1
        system.unsubscribe(ref, "a.>")  # never subscribed: nothing changes
        system.unsubscribe(ref, "a.*")
        assert subscription_count(system) == 0
        assert system.publish("a.b", 2) == 0
        await ref.ask("sync")
        assert log == [("a", 1)]


class Echo(Actor):
    """Publishes the next number to the topic it hears, up to a limit."""

    def __init__(self, log: list[Any], counts: list[int]) -> None:
        self.log, self.counts = log, counts

    async def on_start(self) -> None:
        self.subscribe("echo")

    async def receive(self, message: Any) -> Any:
        if message == "sync":
            return
        self.log.append((self.ref.name, message))
        if self.ref.name == "first" and message < 20:
            self.counts.append(self.system.publish("echo", message + 1))


async def test_a_handler_publishing_to_its_own_topic_keeps_each_subscriber_s_order() -> None:
    log: list[Any] = []
    counts: list[int] = []
    async with ActorSystem() as system:
        first = await system.spawn(Echo, log, counts, name="first")
        second = await system.spawn(Echo, log, counts, name="second")
        assert system.publish("echo", 0) == 2
        while len(counts) < 20:  # each publish from the handler is the next step
            await first.ask("sync")
        await second.ask("sync")
        assert counts == [2] * 20
        for name in ("first", "second"):
            assert [m for n, m in log if n == name] == list(range(21))


async def test_past_the_cache_s_8192_topics_every_publish_still_sees_each_change() -> None:
    log: list[Any] = []
    async with ActorSystem() as system:
        wide = await system.spawn(Inbox, log, name="wide")
        exact = await system.spawn(Inbox, log, name="exact")
        system.subscribe(wide, "t.*")
        topics = [f"t.{i}" for i in range(DEFAULT_CACHE_SIZE + 100)]
        assert all(system.publish(topic, 0) == 1 for topic in topics)  # cleared once or more
        system.subscribe(exact, "t.7")  # a cached topic
        system.subscribe(exact, topics[-1])  # one cached since the last clearing
        assert [system.publish(t, 1) for t in ("t.7", topics[-1], "t.8")] == [2, 2, 1]
        system.unsubscribe(wide, "t.*")
        assert [system.publish(t, 2) for t in ("t.7", topics[-1], "t.8")] == [1, 1, 0]
        await wide.ask("sync")  # its queue handled: a stop dead-letters nothing
        await wide.stop()
        system.unsubscribe(exact)
        assert [system.publish(t, 3) for t in ("t.7", topics[-1], "t.8")] == [0, 0, 0]
        assert system.dead_letters.by_reason == {"no_subscribers": 4}
