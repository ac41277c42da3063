"""A stopping actor's whole queue becomes dead letters at once: recorded for what counting
costs, in queue order, every letter still reaching its watchers and listeners."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import DEAD_LETTER_TOPIC, ActorRef, ActorSystem, DeadLetter, NotDelivered
from actorkit._dead_letters import RECENT_LIMIT, DeadLetters
from actorkit._envelope import CONTROL, NEWS, TAKEN_BACK, TICK, Ask, ask_envelope
from actorkit._mailbox import Mailbox
from actorkit._router import Router
from actorkit._withdraw import Seal
from actorkit.testing import ManualClock

from .actors_support import Gate, Held

QUEUED = 5000


class ReadClock(ManualClock):
    """Counts its readings."""

    reads = 0

    def now(self) -> float:
        self.reads += 1
        return super().now()


async def held_with_queue(system: ActorSystem, messages: Any) -> tuple[ActorRef, asyncio.Event]:
    """A `Held` holding its first message with `messages` queued behind it, and what lets
    it go (and stop)."""
    holding, release = asyncio.Event(), asyncio.Event()
    held = await system.spawn(Held, holding, release, mailbox_size=None, restart="temporary")
    held.tell("hold")
    await holding.wait()
    for message in messages:
        held.tell(message)
    return held, release


async def stop_released(held: ActorRef, release: asyncio.Event) -> None:
    release.set()
    await held.stop()


async def test_a_stop_reads_the_clock_and_asks_for_watchers_once_for_a_whole_queue(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """All are lost at one instant, and whether anyone watches the dead-letter topic cannot
    change while they are recorded: neither question is asked per message."""
    forwarded = [0]
    forward = Router._forward_dead_letter  # noqa: SLF001 (what a dead letter calls)

    def counted(router: Router, fields: Any) -> bool:
        forwarded[0] += 1
        return forward(router, fields)

    monkeypatch.setattr(Router, "_forward_dead_letter", counted)
    clock = ReadClock()
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        other = await system.spawn(Gate, asyncio.Event())
        system.subscribe(other, "other.topic")  # a subscription, but not to dead letters
        held, release = await held_with_queue(system, range(QUEUED))
        reads, forwarded[0] = clock.reads, 0
        await stop_released(held, release)
        assert system.dead_letters.by_reason == {"stopping": QUEUED}
        assert clock.reads - reads <= 5
        assert forwarded[0] <= 1


async def test_the_ring_keeps_the_last_of_a_queue_larger_than_it_in_queue_order() -> None:
    """Only the ring's last places survive a queue longer than it, behind nothing recorded
    before; the count and the reason count every message."""
    async with asyncio.timeout(10), ActorSystem() as system:
        held, release = await held_with_queue(system, range(RECENT_LIMIT + 500))
        system.publish("nobody.listens", "before")
        await stop_released(held, release)
        letters = system.dead_letters
        recent = letters.recent
        assert [d.message for d in recent] == list(range(500, RECENT_LIMIT + 500))
        assert {(d.recipient, d.reason) for d in recent} == {(held.path, "stopping")}
        assert len({d.time for d in recent}) == 1
        assert letters.count == RECENT_LIMIT + 501
        assert letters.by_reason == {"no_subscribers": 1, "stopping": RECENT_LIMIT + 500}
        assert all(a is b for a, b in zip(recent, letters.recent, strict=True))
        assert system.accounting().dead_lettered == RECENT_LIMIT + 500


async def test_a_shorter_queue_follows_what_the_ring_held() -> None:
    async with asyncio.timeout(10), ActorSystem() as system:
        for i in range(RECENT_LIMIT):
            system.publish("nobody.listens", i)
        held, release = await held_with_queue(system, ["a", "b", "c"])
        await stop_released(held, release)
        recent = system.dead_letters.recent
    assert len(recent) == RECENT_LIMIT
    assert [d.message for d in recent[:2]] == [3, 4]
    assert [(d.message, d.reason) for d in recent[-4:]] == [
        (RECENT_LIMIT - 1, "no_subscribers"),
        ("a", "stopping"),
        ("b", "stopping"),
        ("c", "stopping"),
    ]


async def test_watchers_and_listeners_get_every_letter_of_a_queue() -> None:
    """More than the ring keeps: each letter reaches watchers as a copy of its own, and
    listeners as the very record the ring keeps while it keeps it."""
    heard: list[DeadLetter] = []
    queued = RECENT_LIMIT + 200
    async with asyncio.timeout(10), ActorSystem() as system:
        watcher = await system.spawn(Gate, asyncio.Event(), mailbox_size=None)
        system.subscribe(watcher, DEAD_LETTER_TOPIC)
        system.dead_letters.listen(heard.append)
        held, release = await held_with_queue(system, range(queued))
        await stop_released(held, release)
        seen = await watcher.ask("seen")
        recent = system.dead_letters.recent
        assert system.dead_letters.count == queued
    assert [letter.message for letter in seen] == list(range(queued))
    assert [letter.message for letter in heard] == list(range(queued))
    assert all(a is b for a, b in zip(heard[-RECENT_LIMIT:], recent, strict=True))
    kept = {id(letter) for letter in recent}
    assert not any(id(letter) in kept for letter in seen)


async def test_a_stopping_watcher_records_its_own_messages_but_not_its_copies() -> None:
    """Copies and messages of its own interleaved in a watcher's queue: each copy's letter
    was counted when it was made, so only the watcher's own messages are lost again."""
    async with asyncio.timeout(10), ActorSystem() as system:
        gone = await system.spawn(Gate, asyncio.Event())
        await gone.stop()
        watcher, release = await held_with_queue(system, [])
        system.subscribe(watcher, DEAD_LETTER_TOPIC)
        for i in range(3):
            gone.tell(f"lost {i}")  # its copy queued at the held watcher
            watcher.tell(f"own {i}")
        await stop_released(watcher, release)
        assert [(d.message, d.reason) for d in system.dead_letters.recent] == [
            ("lost 0", "stopped"),
            ("lost 1", "stopped"),
            ("lost 2", "stopped"),
            ("own 0", "stopping"),
            ("own 1", "stopping"),
            ("own 2", "stopping"),
        ]
        assert system.dead_letters.count == 6
        assert system.accounting().dead_lettered == 6  # the copies too, in the watcher's books


async def test_a_queue_of_every_kind_keeps_its_rules_at_a_close() -> None:
    """Asks fail and are dead letters; tasks and the runtime's own requests fail and go back
    to their senders; ticks and withdrawn messages end unseen; a `Terminated` is a dead
    letter; what stays is in queue order, counted once, and the books balance."""
    loop = asyncio.get_running_loop()
    dead = DeadLetters(lambda: 1.0)
    box = Mailbox(100)

    def ask(message: str, timeout: float) -> Ask:
        return ask_envelope(message, loop.create_future(), "/a", timeout)

    news_seal, tick_seal = Seal(), Seal()
    asked, task, control = ask("asked", 5.0), ask("task", TAKEN_BACK), ask("control", CONTROL)
    news = ask_envelope("terminated", news_seal, "/a", NEWS)  # type: ignore[arg-type]  # a seal
    tick = ask_envelope("tick", tick_seal, "/a", TICK)  # type: ignore[arg-type]  # a seal
    withdrawn = "withdrawn"
    for message in ("first", asked, task, withdrawn, tick, control, news, "last"):
        assert box.offer(message)
    box.withdrawn = {id(withdrawn): withdrawn}
    box.accepted -= 1
    box.close("/a", "stopping", dead)
    assert [(d.message, d.recipient, d.reason) for d in dead.recent] == [
        ("first", "/a", "stopping"),
        ("asked", "/a", "stopping"),
        ("terminated", "/a", "stopping"),
        ("last", "/a", "stopping"),
    ]
    assert (dead.count, dead.by_reason) == (4, {"stopping": 4})
    for refused in (asked, task, control):
        with pytest.raises(NotDelivered):
            refused.future.result()
    assert not news_seal.queued  # asked whether it is done: its news book lets it go
    assert tick_seal.queued  # its timer ends it
    assert (box.accepted, box.dead_lettered, len(box)) == (4, 4, 0)


class ReadsRecentWhenFreed:
    """A dead letter's message whose finalizer reads `recent`, which replaces the ring with
    the records it builds."""

    def __init__(self, letters: DeadLetters, read: list[int]) -> None:
        self.letters, self.read = letters, read

    def __del__(self) -> None:
        self.read.append(len(self.letters.recent))


def test_a_read_by_a_finalizer_of_what_the_ring_drops_loses_none_of_a_queue() -> None:
    """Recording a queue drops the ring's oldest records, and a message of theirs may be
    freed with them: its finalizer finds every letter of the queue in the ring."""
    dead = DeadLetters(lambda: 1.0)
    read: list[int] = []
    for _ in range(RECENT_LIMIT):
        dead.add(ReadsRecentWhenFreed(dead, read), "/gone", "stopped")
    box = Mailbox(10)
    for message in ("a", "b", "c"):
        assert box.offer(message)
    box.close("/a", "stopping", dead)
    assert len(read) == 3
    assert [d.message for d in dead.recent[-3:]] == ["a", "b", "c"]
    assert dead.count == RECENT_LIMIT + 3
