"""The router: publish fan-out, and publish cost on a loaded topic index.

- `publish`: one publisher, 100 subscriber actors, every publish delivered to all of them, with
  1,000 more actors subscribed to wildcard patterns that do not match the published topic, so
  the index is not trivially small. The baseline is what a hand-written fan-out does: a loop of
  `put_nowait` over 100 `asyncio.Queue`s, each drained by a consumer task.
- `topic_scale`: the cost of one `system.publish` when the index holds 10,000 subscriptions
  over 1,000 patterns, against a system whose only subscription is the one exact topic being
  published (both sides are actorkit). Every noise pattern shares tokens with the published
  topics (`svc3.*.ev7.detail`, `svc3.reg1.ev7.>`) but none of them matches, so both sides
  deliver each publish to exactly one actor and the difference is the index alone. `hot`
  publishes one topic over and over (the per-topic match cache answers); `cold` publishes a
  different topic each time, more of them than the cache holds, so every publish walks the
  trie.
- `pubsub_churn`: short-lived subscriptions, one cycle `subscribe(ref, "room.N.*")`, a
  publish to `room.N.msg` that reaches that one actor, `unsubscribe(ref, "room.N.*")`, over 100
  actors and 5,000 rooms. The baseline is a hand-written matcher for that one shape: a dict
  from the first two tokens to a set of queues, cleaned up as it empties.
(The pools, `pool_round_robin` and `pool_consistent_hash`, are in `pools`.)
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Callable, Sequence
from functools import partial
from typing import Any, Protocol

from actorkit import Actor, ActorSystem

from ._harness import Bench, Figures, Metric, Side, Stopwatch
from .messaging import Counter, RawActor, Target, check

SUBSCRIBERS = 100
NOISE_ACTORS = 1_000
TOPIC = "bench.fanout.tick"


class Idle(Actor):
    """A noise subscriber: it never receives anything."""


class FanOut(Protocol):
    @property
    def subscribers(self) -> Sequence[Target]: ...

    def publish(self, message: Any, /) -> object: ...


class Group:
    def __init__(self, publish: Callable[[Any], object], subscribers: Sequence[Target]) -> None:
        self.publish = publish
        self.subscribers = subscribers


def noise_patterns(count: int) -> list[str]:
    """`*` and `>` patterns close to `TOPIC` that never match it."""
    shapes = (
        "bench.fanout.tick.{i}.>",  # `>` needs a token after `tick`
        "bench.*.tock{i}",
        "*.fanout.tock{i}",
        "bench.fanout.*.deep{i}",
        "other{i}.>",
        "*.*.tock{i}",
    )
    return [shapes[i % len(shapes)].format(i=i) for i in range(count)]


@contextlib.asynccontextmanager
async def actorkit_fanout(subscribers: int) -> AsyncIterator[FanOut]:
    async with ActorSystem("bench") as system:
        refs = [await system.spawn(Counter, mailbox_size=None) for _ in range(subscribers)]
        for ref in refs:
            system.subscribe(ref, TOPIC)
        for pattern in noise_patterns(NOISE_ACTORS):
            system.subscribe(await system.spawn(Idle), pattern)
        yield Group(partial(system.publish, TOPIC), refs)


@contextlib.asynccontextmanager
async def raw_fanout(subscribers: int) -> AsyncIterator[FanOut]:
    actors = [RawActor(Counter().receive) for _ in range(subscribers)]
    puts = [actor.queue.put_nowait for actor in actors]

    def publish(message: Any) -> None:
        for put in puts:
            put(message)

    try:
        yield Group(publish, actors)
    finally:
        for actor in actors:
            await actor.close()


async def fanout(group: FanOut, n: int) -> Figures:
    """n publishes, then one ask to each subscriber behind them: deliveries per second."""
    publish = group.publish
    subscribers = group.subscribers
    with Stopwatch() as watch:
        for i in range(n):
            publish(i)
        totals = [await subscriber.ask(0, timeout=60.0) for subscriber in subscribers]
    check(totals, [n * (n - 1) // 2] * len(subscribers))
    return {"rate": n * len(subscribers) / watch.seconds}


def fanout_side(opener: Callable[[int], contextlib.AbstractAsyncContextManager[FanOut]]) -> Side:
    async def run(n: int) -> Figures:
        async with opener(SUBSCRIBERS) as group:
            return await fanout(group, n)

    return run


# --- topic_scale ---------------------------------------------------------------------------
SERVICES, REGIONS, EVENTS = 100, 10, 200
PATTERNS = 1_000
SUBSCRIPTIONS = 10_000
NOISE_SUBSCRIBERS = 2_000
HOT = "svc1.reg1.ev1"


def published_topics(count: int, rng: random.Random) -> list[str]:
    """`count` distinct `svc.reg.ev` topics, shuffled, with `HOT` first."""
    topics = [
        f"svc{s}.reg{r}.ev{e}"
        for s in range(SERVICES)
        for r in range(REGIONS)
        for e in range(EVENTS)
    ]
    topics.remove(HOT)
    rng.shuffle(topics)
    return [HOT, *topics[: count - 1]]


def near_misses(rng: random.Random) -> list[str]:
    """1,000 distinct patterns (400 exact, 300 `*`, 300 `>`) that share the tokens of the
    published topics but never match one: each needs a fourth token."""

    def pick() -> tuple[int, int, int]:
        return rng.randrange(SERVICES), rng.randrange(REGIONS), rng.randrange(EVENTS)

    shapes: list[tuple[int, Callable[[int, int, int], str]]] = [
        (400, lambda s, r, e: f"svc{s}.reg{r}.ev{e}.detail"),
        (100, lambda s, r, e: f"svc{s}.*.ev{e}.detail"),
        (100, lambda s, r, e: f"*.reg{r}.ev{e}.detail"),
        (100, lambda s, r, e: f"svc{s}.reg{r}.*.detail"),
        (200, lambda s, r, e: f"svc{s}.reg{r}.ev{e}.>"),
        (100, lambda s, r, e: f"svc{s}.*.ev{e}.>"),
    ]
    chosen: dict[str, None] = {}
    for count, shape in shapes:
        goal = len(chosen) + count
        while len(chosen) < goal:
            chosen[shape(*pick())] = None
    assert len(chosen) == PATTERNS
    return list(chosen)


async def publish_cost(loaded: bool, n: int) -> Figures:
    """ns per `system.publish`, each delivered to one actor, which subscribed to every
    published topic exactly; with `loaded`, 10,000 noise subscriptions share the index."""
    rng = random.Random(20261125)
    topics = published_topics(n, rng)
    async with ActorSystem("bench") as system:
        sink = await system.spawn(Counter, mailbox_size=None)
        for topic in topics:
            system.subscribe(sink, topic)
        if loaded:
            patterns = near_misses(rng)
            noise = [await system.spawn(Idle) for _ in range(NOISE_SUBSCRIBERS)]
            for i in range(SUBSCRIPTIONS):  # every pattern gets 10 distinct subscribers
                system.subscribe(
                    noise[(i * 7 + i // PATTERNS) % NOISE_SUBSCRIBERS], patterns[i % PATTERNS]
                )
        publish = system.publish
        publish(HOT, 0)  # warm the cache for `hot`
        with Stopwatch() as hot:
            for _ in range(n):
                publish(HOT, 1)
        with Stopwatch() as cold:
            for topic in topics:  # n distinct topics, more than the cache holds
                publish(topic, 1)
        check(await sink.ask(0, timeout=60.0), 2 * n)
    return {"hot": hot.seconds / n * 1e9, "cold": cold.seconds / n * 1e9}


# --- pubsub_churn ------------------------------------------------------------------------
CHURN_ACTORS, ROOMS = 100, 5_000


def rooms() -> tuple[list[str], list[str]]:
    """Each room's pattern and the topic published to it."""
    return [f"room.{r}.*" for r in range(ROOMS)], [f"room.{r}.msg" for r in range(ROOMS)]


async def churn(n: int) -> Figures:
    """ns per subscribe-publish-unsubscribe cycle, each publish delivered to one actor."""
    patterns, topics = rooms()
    async with ActorSystem("bench") as system:
        refs = [await system.spawn(Counter, mailbox_size=None) for _ in range(CHURN_ACTORS)]
        subscribe, publish, unsubscribe = system.subscribe, system.publish, system.unsubscribe
        delivered = 0
        with Stopwatch() as watch:
            for k in range(n):
                ref, room = refs[k % CHURN_ACTORS], k % ROOMS
                subscribe(ref, patterns[room])
                delivered += publish(topics[room], k)
                unsubscribe(ref, patterns[room])
                if k % 1_000 == 999:  # let the actors take what they got
                    await asyncio.sleep(0)
        check(delivered, n)
        totals = [await ref.ask(0, timeout=60.0) for ref in refs]
    check(sum(totals), n * (n - 1) // 2)
    return {"cycle": watch.seconds / n * 1e9}


async def raw_churn(n: int) -> Figures:
    patterns, topics = rooms()
    actors = [RawActor(Counter().receive) for _ in range(CHURN_ACTORS)]
    puts = [actor.queue.put_nowait for actor in actors]
    rooms_of: dict[tuple[str, ...], set[int]] = {}
    delivered = 0
    try:
        with Stopwatch() as watch:
            for k in range(n):
                i, room = k % CHURN_ACTORS, k % ROOMS
                key = tuple(patterns[room].split(".")[:-1])
                rooms_of.setdefault(key, set()).add(i)
                for j in rooms_of.get(tuple(topics[room].split(".")[:-1]), ()):
                    puts[j](k)
                    delivered += 1
                members = rooms_of[key]
                members.discard(i)
                if not members:
                    del rooms_of[key]
                if k % 1_000 == 999:
                    await asyncio.sleep(0)
        check(delivered, n)
        totals = [await actor.ask(0, timeout=60.0) for actor in actors]
        check(sum(totals), n * (n - 1) // 2)
    finally:
        for actor in actors:
            await actor.close()
    return {"cycle": watch.seconds / n * 1e9}


BENCHES = [
    Bench(
        "publish",
        fanout_side(actorkit_fanout),
        fanout_side(raw_fanout),
        (Metric("rate", "deliveries/s", target=2.0),),
        size=10_000,
        quick_size=1_000,
        per_n=SUBSCRIBERS,
    ),
    Bench(
        "topic_scale",
        partial(publish_cost, True),
        partial(publish_cost, False),
        (
            Metric("hot", "ns/publish", higher_is_better=False, target=2.0),
            Metric("cold", "ns/publish", higher_is_better=False, target=2.0),
        ),
        size=20_000,
        quick_size=10_000,
        baseline_is="actorkit, 1 exact subscription",
    ),
    Bench(
        "pubsub_churn",
        churn,
        raw_churn,
        (Metric("cycle", "ns/cycle", higher_is_better=False),),
        size=200_000,
        quick_size=20_000,
        baseline_is="raw asyncio, a dict of sets for the one pattern shape",
    ),
]
