"""The flow shapes of `shapes`: a backpressured pipeline, sends into a pool, and publish to
parked subscribers.

- `shape_pipeline`: one producer `await send`s n messages into the first of three stages,
  each of which forwards with `await self.next.send(...)` into the next bounded mailbox, and a
  sink; `default` with the default mailbox (10,000), `small` with 16, where every stage waits
  for room now and then. The raw side is `await queue.put` on `asyncio.Queue(size)`.
- `shape_pool_senders`: 4 producer tasks `await pool.send(...)` n messages in all into a
  `round_robin` pool of 4 members with mailboxes of 1,000 (every member's mailbox fills, so
  the producers wait for room now and then). The raw side cycles over 4 raw actors with
  `await queue.put`.
- `shape_publish_parked`: each of n events is published to 10 subscribers, and the publisher
  waits for all 10 to have handled it before publishing the next, so every subscriber wakes for
  every message. The raw side loops over the topic's raw actors with `put_nowait`.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from typing import Any

from actorkit import DEFAULT_MAILBOX_SIZE, Actor

from ._harness import Bench, Figures, Metric, Stopwatch
from .messaging import RawActor
from .savina._common import Done, check, raw_actors, system

STAGES = 3
SMALL = 16
SUBSCRIBERS = 10
TOPIC = "shapes.orders.created"
PRODUCERS = 4
POOL = 4
POOL_MAILBOX = 1000


class Stage(Actor):
    """Adds one and forwards, waiting for room in the next mailbox."""

    def __init__(self, after: Any) -> None:
        self.after = after

    async def receive(self, message: int) -> None:
        await self.after.send(message + 1)


class Sink(Actor):
    def __init__(self, done: Done) -> None:
        self.done = done

    async def receive(self, message: int) -> None:
        self.done.tell(message)


async def produce(first: Any, done: Done, n: int) -> float:
    """Seconds to push n messages through; the sink's sum is checked."""
    send = first.send
    with Stopwatch() as watch:
        for i in range(n):
            await send(i)
        total = await done
    check(total, n * (n - 1) // 2 + STAGES * n)
    return watch.seconds


async def pipeline_actorkit(n: int) -> Figures:
    rates = {}
    for metric, size in (("default", DEFAULT_MAILBOX_SIZE), ("small", SMALL)):
        async with system() as actors:
            done = Done(n)
            stage = await actors.spawn(Sink, done, mailbox_size=size)
            for _ in range(STAGES):
                stage = await actors.spawn(Stage, stage, mailbox_size=size)
            rates[metric] = n / await produce(stage, done, n)
    return rates


async def pipeline_raw(n: int) -> Figures:
    rates = {}
    for metric, size in (("default", DEFAULT_MAILBOX_SIZE), ("small", SMALL)):
        async with raw_actors() as raw:
            done = Done(n)
            stage = RawActor(Sink(done).receive, size)
            raw.actors.append(stage)
            for _ in range(STAGES):
                stage = RawActor(Stage(stage).receive, size)
                raw.actors.append(stage)
            rates[metric] = n / await produce(stage, done, n)
    return rates


async def produce_into(send: Callable[[int], Any], done: Done, n: int) -> Figures:
    """`PRODUCERS` tasks send n messages in all through `send`; the members' sum is checked."""

    async def producer(first: int) -> None:
        for i in range(first, n, PRODUCERS):
            await send(i)

    with Stopwatch() as watch:
        await asyncio.gather(*(producer(first) for first in range(PRODUCERS)))
        total = await done
    check(total, n * (n - 1) // 2)
    return {"rate": n / watch.seconds}


async def pool_senders_actorkit(n: int) -> Figures:
    async with system() as actors:
        done = Done(n)
        pool = await actors.spawn_pool(Sink, done, size=POOL, mailbox_size=POOL_MAILBOX)
        return await produce_into(pool.send, done, n)


async def pool_senders_raw(n: int) -> Figures:
    async with raw_actors() as raw:
        done = Done(n)
        members = [RawActor(Sink(done).receive, POOL_MAILBOX) for _ in range(POOL)]
        raw.actors.extend(members)
        turn = itertools.cycle(members)
        return await produce_into(lambda message: next(turn).send(message), done, n)


class Event:
    __slots__ = ("done", "value")

    def __init__(self, value: int, done: Done) -> None:
        self.value = value
        self.done = done


class Listener(Actor):
    async def receive(self, message: Event) -> None:
        message.done.tell(message.value)


async def publish_rounds(publish: Callable[[str, Any], int], n: int) -> Figures:
    """n publishes, each awaited until every subscriber has told `done`: one message per
    subscriber's wake-up."""
    with Stopwatch() as watch:
        for i in range(n):
            done = Done(SUBSCRIBERS)
            reached = publish(TOPIC, Event(i, done))
            if await done != i * SUBSCRIBERS or reached != SUBSCRIBERS:
                check((done.total, reached), (i * SUBSCRIBERS, SUBSCRIBERS))
    return {"rate": n * SUBSCRIBERS / watch.seconds}


async def publish_actorkit(n: int) -> Figures:
    async with system() as actors:
        for _ in range(SUBSCRIBERS):
            actors.subscribe(await actors.spawn(Listener), TOPIC)
        return await publish_rounds(actors.publish, n)


async def publish_raw(n: int) -> Figures:
    async with raw_actors() as raw:
        topics = {TOPIC: [raw.spawn(Listener) for _ in range(SUBSCRIBERS)]}

        def publish(topic: str, message: object) -> int:
            subscribers = topics[topic]
            for subscriber in subscribers:
                subscriber.tell(message)
            return len(subscribers)

        return await publish_rounds(publish, n)


BENCHES = [
    Bench(
        "shape_pipeline",
        pipeline_actorkit,
        pipeline_raw,
        (Metric("default", "msgs/s"), Metric("small", "msgs/s")),
        size=100_000,
        quick_size=5_000,
        explicit=True,
    ),
    Bench(
        "shape_pool_senders",
        pool_senders_actorkit,
        pool_senders_raw,
        (Metric("rate", "msgs/s"),),
        size=200_000,
        quick_size=5_000,
        explicit=True,
    ),
    Bench(
        "shape_publish_parked",
        publish_actorkit,
        publish_raw,
        (Metric("rate", "deliveries/s"),),
        size=20_000,
        quick_size=1_000,
        explicit=True,
    ),
]
