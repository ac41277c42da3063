"""User code a publish runs while it delivers, a `consistent_hash` pool's `hash_key`, may
unsubscribe or stop another subscriber of the same publish, or publish itself (docs/api.md §9,
Router). The publish delivers to the subscribers it matched as it began: each copy's fate is
a tell's to that actor (taken, or a dead letter naming it), never a crash of the publisher."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from prometheus_client import generate_latest

from actorkit import DEAD_LETTER_TOPIC, Actor, ActorRef, ActorSystem, PoolRef

from .test_eager_tasks import EAGER_FACTORY


class Idle(Actor):
    """No hooks: spawned, it is dormant until its first message."""

    async def receive(self, message: Any) -> Any:
        return message


class Blocker(Actor):
    """Holds its handler on "block" until `gate` is set; answers "got" with what it had."""

    def __init__(self, entered: asyncio.Event, gate: asyncio.Event) -> None:
        self.entered, self.gate = entered, gate
        self.got: list[Any] = []

    async def receive(self, message: Any) -> Any:
        if message == "block":
            self.entered.set()
            await self.gate.wait()
        elif message == "got":
            return list(self.got)
        else:
            self.got.append(message)
        return None


def once(action: Callable[[], object]) -> Callable[[Any], object]:
    """A `hash_key` that runs `action` at its first call only."""
    done: list[bool] = []

    def key(message: Any) -> object:
        if not done:
            done.append(True)
            action()
        return 0

    return key


def stop_now(ref: ActorRef) -> None:
    """`ref.stop()` of a dormant actor, run to its end in the caller's turn: what
    `asyncio.create_task(ref.stop())` does under an eager task factory (Python 3.12+)."""
    stop = ref.stop()
    try:
        stop.send(None)
    except StopIteration:
        return
    stop.close()
    raise AssertionError("the stop of a dormant actor should end without a wait")


def dropped(system: ActorSystem, actor_type: str) -> float:
    """The class's refused tells (`actorkit_mailbox_dropped_total`); 0 without a series."""
    series = f'actorkit_mailbox_dropped_total{{actor_type="{actor_type}"}} '
    text = generate_latest(system.metrics.registry).decode()
    values = [float(ln[len(series) :]) for ln in text.splitlines() if ln.startswith(series)]
    return sum(values)


async def hashed(system: ActorSystem, key: Callable[[Any], object], size: int = 2) -> PoolRef:
    pool = await system.spawn_pool(Idle, size=size, routing="consistent_hash", hash_key=key)
    assert isinstance(pool, PoolRef)
    return pool


async def blocked_and_full(system: ActorSystem) -> tuple[ActorRef, asyncio.Event]:
    """A `Blocker` in its handler, its one-message mailbox full."""
    entered, gate = asyncio.Event(), asyncio.Event()
    ref = await system.spawn(Blocker, entered, gate, mailbox_size=1)
    ref.tell("block")
    await entered.wait()
    ref.tell("fill")
    return ref, gate


async def test_a_full_subscriber_a_hash_key_unsubscribes_mid_publish_is_its_dead_letter() -> None:
    async with asyncio.timeout(5), ActorSystem() as system:
        victim, gate = await blocked_and_full(system)
        unsubscribe = once(lambda: system.unsubscribe(victim))
        pool = await hashed(system, unsubscribe)
        system.subscribe(pool, "t")
        system.subscribe(victim, "t")  # matched after the pool
        try:
            assert system.publish("t", "news") == 1  # the pool's; the victim's copy is refused
        finally:
            gate.set()
        assert system.dead_letters.by_reason == {"mailbox_full": 1}
        assert [(d.message, d.recipient) for d in system.dead_letters.recent] == [
            ("news", victim.path)
        ]
        assert dropped(system, "Blocker") == 1
        assert system.publish("t", "later") == 1  # it left: the pool alone now
        assert await victim.ask("got") == ["fill"]


async def test_a_subscriber_with_room_a_hash_key_unsubscribes_mid_publish_still_gets_it() -> None:
    async with asyncio.timeout(5), ActorSystem() as system:
        entered, gate = asyncio.Event(), asyncio.Event()
        victim = await system.spawn(Blocker, entered, gate)
        unsubscribe = once(lambda: system.unsubscribe(victim))
        pool = await hashed(system, unsubscribe)
        system.subscribe(pool, "t")
        system.subscribe(victim, "t")
        assert system.publish("t", "news") == 2  # matched as the publish began
        assert system.publish("t", "later") == 1
        assert await victim.ask("got") == ["news"]
        assert system.dead_letters.count == 0


async def test_a_subscriber_a_hash_key_stops_mid_publish_gets_a_dead_letter_stopped() -> None:
    async with asyncio.timeout(5), ActorSystem() as system:
        victim = await system.spawn(Idle)  # dormant: its stop ends in the caller's turn
        stop = once(lambda: stop_now(victim))
        pool = await hashed(system, stop)
        system.subscribe(pool, "t")
        system.subscribe(victim, "t")
        assert system.publish("t", "news") == 1
        assert not victim.is_alive
        assert system.dead_letters.by_reason == {"stopped": 1}  # as a tell to it would be
        assert [(d.message, d.recipient) for d in system.dead_letters.recent] == [
            ("news", victim.path)
        ]
        assert dropped(system, "Idle") == 0  # a stopped actor refused no tell


@pytest.mark.skipif(
    not hasattr(asyncio, "eager_task_factory"), reason="eager tasks: Python 3.12 and later"
)
@pytest.mark.asyncio(loop_factories=["asyncio"])
async def test_a_stop_a_hash_key_starts_under_an_eager_task_factory_is_a_dead_letter() -> None:
    """The stop of a dormant subscriber, made a task by a `hash_key`, ends inside `create_task`."""
    loop = asyncio.get_running_loop()
    loop.set_task_factory(EAGER_FACTORY)
    try:
        async with asyncio.timeout(5), ActorSystem() as system:
            victim = await system.spawn(Idle)
            stops: list[asyncio.Task[None]] = []
            stop = once(lambda: stops.append(asyncio.create_task(victim.stop())))
            pool = await hashed(system, stop)
            system.subscribe(pool, "t")
            system.subscribe(victim, "t")
            assert system.publish("t", "news") == 1
            assert stops[0].done()
            assert [(d.message, d.recipient, d.reason) for d in system.dead_letters.recent] == [
                ("news", victim.path, "stopped")
            ]
    finally:
        loop.set_task_factory(None)


async def test_a_publish_reaching_an_actor_in_its_close_is_a_dead_letter_stopped() -> None:
    """Its close dead-letters its queue before the actor leaves the router: a pool watching
    dead letters routes that record in the close, and its `hash_key` publishes to the actor,
    whose mailbox is closed. As a tell then, it is `stopped`, not a refusal by a full
    mailbox."""
    entered, gate = asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(5), ActorSystem() as system:
        victim = await system.spawn(Blocker, entered, gate)
        system.subscribe(victim, "v")
        late: list[int] = []
        publish = once(lambda: late.append(system.publish("v", "late")))
        pool = await hashed(system, publish, size=1)
        system.subscribe(pool, DEAD_LETTER_TOPIC)
        victim.tell("block")
        await entered.wait()
        victim.tell("queued")
        stopping = asyncio.create_task(victim.stop())
        await asyncio.sleep(0)  # its stop is asked for, behind the handler
        gate.set()
        await stopping
        assert late == [0]
        assert [(d.message, d.recipient, d.reason) for d in system.dead_letters.recent] == [
            ("queued", victim.path, "stopping"),
            ("late", victim.path, "stopped"),
        ]
        assert dropped(system, "Blocker") == 0


async def test_a_full_watcher_a_hash_key_unsubscribes_mid_record_drops_its_copy() -> None:
    """The same among the dead-letter topic's watchers: a record's copy that a watcher
    unsubscribed meanwhile cannot take is its class's refused tell, and whatever recorded
    the dead letter (here a tell to a stopped actor) does not raise."""
    async with asyncio.timeout(5), ActorSystem() as system:
        watcher, gate = await blocked_and_full(system)
        unsubscribe = once(lambda: system.unsubscribe(watcher))
        pool = await hashed(system, unsubscribe, size=1)
        system.subscribe(pool, DEAD_LETTER_TOPIC)
        system.subscribe(watcher, DEAD_LETTER_TOPIC)
        gone = await system.spawn(Idle)
        await gone.stop()
        try:
            gone.tell("lost")
        finally:
            gate.set()
        assert system.dead_letters.by_reason == {"stopped": 1}
        assert dropped(system, "Blocker") == 1
        assert await watcher.ask("got") == ["fill"]


async def test_a_publish_to_an_actor_running_its_on_stop_is_delivered_then_a_dead_letter() -> None:
    """As a tell to it: queued (with room), then a dead letter `stopping` at its close."""

    class SlowStop(Idle):
        def __init__(self, entered: asyncio.Event, gate: asyncio.Event) -> None:
            self.entered, self.gate = entered, gate

        async def on_stop(self) -> None:
            self.entered.set()
            await self.gate.wait()

    entered, gate = asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(5), ActorSystem() as system:
        ref = await system.spawn(SlowStop, entered, gate)
        system.subscribe(ref, "t")
        stopping = asyncio.create_task(ref.stop())
        await entered.wait()
        try:
            assert system.publish("t", "published") == 1
            ref.tell("told")
        finally:
            gate.set()
        await stopping
        assert [(d.message, d.reason) for d in system.dead_letters.recent] == [
            ("published", "stopping"),
            ("told", "stopping"),
        ]
        assert system.publish("t", "after") == 0  # its subscriptions went with it
        assert system.dead_letters.by_reason == {"stopping": 2, "no_subscribers": 1}
