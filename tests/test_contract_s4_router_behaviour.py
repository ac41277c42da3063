"""API.md sections 4 and 9 (router), what no other test pinned: the wildcard cases of NATS rules
at the edges, subscriptions going with an actor its parent stops, a pool's defaults, and a
dead letter's time read on the system clock."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, DeadLetter, PoolRef
from actorkit.testing import ManualClock, subscription_count


class Listener(Actor):
    """Subscribes to its patterns at start and answers "got" with what it was published,
    leaving out the dead-letter records a wide pattern also matches."""

    def __init__(self, *patterns: str) -> None:
        self.patterns = patterns
        self.got: list[Any] = []

    async def on_start(self) -> None:
        for pattern in self.patterns:
            self.subscribe(pattern)

    async def receive(self, message: Any) -> Any:
        if message == "got":
            return list(self.got)
        if not isinstance(message, DeadLetter):
            self.got.append(message)
        return None


@pytest.mark.parametrize(
    ("pattern", "topic", "matches"),
    [
        (">", "a", True),  # one or more tokens: one is enough
        ("*", "a", True),
        ("*", "a.b", False),
        ("*.>", "a", False),  # `*` takes the only token, `>` needs one more
        ("*.>", "a.b.c", True),
        ("a.*.>", "a.b", False),
        ("a.*.>", "a.b.c.d", True),
        ("*.*", "a.b", True),
        ("*.*", "a.b.c", False),
    ],
)
async def test_wildcards_follow_nats_rules_at_the_edges(
    pattern: str, topic: str, matches: bool
) -> None:
    async with asyncio.timeout(10), ActorSystem() as system:
        ref = await system.spawn(Listener, pattern)
        assert system.publish(topic, "m") == int(matches)
        assert await ref.ask("got") == (["m"] if matches else [])


class Parent(Actor):
    async def on_start(self) -> None:
        await self.spawn(Listener, "news", name="child")


async def test_the_subscriptions_of_an_actor_stopped_with_its_parent_go_with_it() -> None:
    async with asyncio.timeout(10), ActorSystem() as system:
        parent = await system.spawn(Parent, name="parent")
        assert system.publish("news", 1) == 1
        await parent.stop()
        assert system.publish("news", 2) == 0
        assert subscription_count(system) == 0
        assert system.dead_letters.by_reason == {"no_subscribers": 1}


class Named(Actor):
    async def receive(self, message: Any) -> Any:
        return self.name


async def test_a_pool_has_four_members_and_routes_round_robin_by_default() -> None:
    async with asyncio.timeout(10), ActorSystem() as system:
        pool = await system.spawn_pool(Named)
        assert isinstance(pool, PoolRef)
        assert [member.name for member in pool.members] == ["0", "1", "2", "3"]
        answers = [await pool.ask(i) for i in range(8)]
        assert answers[4:] == answers[:4]
        assert sorted(answers[:4]) == ["0", "1", "2", "3"]


async def test_a_dead_letter_is_dated_on_the_system_clock(clock: ManualClock) -> None:
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        gone = await system.spawn(Named)
        await gone.stop()
        await clock.advance(2.5)
        gone.tell("late")
        await clock.advance(1.0)
        system.publish("nobody.home", "unheard")
        letters = [(d.message, d.reason, d.time) for d in system.dead_letters.recent]
        assert letters == [("late", "stopped", 2.5), ("unheard", "no_subscribers", 3.5)]


class Held(Actor):
    """Holds "hold" until `gate` opens, after saying so on `entered`."""

    def __init__(self, entered: asyncio.Queue[str], gate: asyncio.Event) -> None:
        self.entered = entered
        self.gate = gate

    async def receive(self, message: Any) -> None:
        if message == "hold":
            self.entered.put_nowait(self.name)
            await self.gate.wait()


async def test_a_publish_counts_a_broadcast_pool_only_when_a_member_took_it() -> None:
    """API.md §4: `publish` returns the number of actors it was delivered to; a broadcast
    pool whose members are all full took nothing (each refusal is that member's dead letter)."""
    entered: asyncio.Queue[str] = asyncio.Queue()
    gate = asyncio.Event()
    async with asyncio.timeout(10), ActorSystem() as system:
        pool = await system.spawn_pool(
            Held, entered, gate, size=2, routing="broadcast", mailbox_size=1
        )
        assert isinstance(pool, PoolRef)
        system.subscribe(pool, "all")
        try:
            pool.tell("hold")
            assert {await entered.get(), await entered.get()} == {"0", "1"}
            first, second = pool.members
            first.tell("fills 0")
            assert system.publish("all", "one has room") == 1
            assert system.publish("all", "none has room") == 0
        finally:
            gate.set()
        letters = [(d.message, d.recipient) for d in system.dead_letters.recent]
        assert letters == [
            ("one has room", first.path),
            ("none has room", first.path),
            ("none has room", second.path),
        ]
