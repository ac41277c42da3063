"""Watchers of `actorkit.dead_letters`: each undelivered message is counted once, however its
copies for the watchers end."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import DEAD_LETTER_TOPIC, Actor, ActorSystem, DeadLetter

from .actors_support import Held
from .testing_support import Notes


class Sink(Actor):
    async def receive(self, message: Any) -> Any:
        return None


async def test_a_copy_queued_at_a_watcher_that_stops_is_no_second_dead_letter() -> None:
    """The copy is not a message of its own: a dead letter about it would count the same lost
    message twice (and, between two stopping watchers, pass copies of copies back and forth)."""
    holding, release = asyncio.Event(), asyncio.Event()
    async with ActorSystem() as system:
        watcher = await system.spawn(Held, holding, release, restart="temporary")
        system.subscribe(watcher, DEAD_LETTER_TOPIC)
        watcher.tell("hold")
        await holding.wait()
        gone = await system.spawn(Sink)
        await gone.stop()
        gone.tell("lost")  # one dead letter; its copy waits in the held watcher's mailbox
        release.set()
        await watcher.stop()
        assert [(d.message, d.reason) for d in system.dead_letters.recent] == [("lost", "stopped")]
        assert system.dead_letters.count == 1
        assert system.accounting().dead_lettered == 1  # the watcher's copy, in its own books


class Forwarder(Actor):
    """Passes each dead letter it watches on to a topic nobody subscribes to."""

    def __init__(self, forwarded: asyncio.Event) -> None:
        self.forwarded = forwarded

    async def receive(self, message: Any) -> Any:
        self.system.publish("ops.dead_letters", message)
        self.forwarded.set()


async def test_a_watcher_passing_its_copy_on_to_nobody_makes_no_second_dead_letter() -> None:
    """The copy is the letter already counted: passed on and lost again, it is not counted
    again (nor sent back to the watcher, which would pass it on for ever)."""
    forwarded = asyncio.Event()
    async with asyncio.timeout(10), ActorSystem() as system:
        watcher = await system.spawn(Forwarder, forwarded)
        system.subscribe(watcher, DEAD_LETTER_TOPIC)
        system.publish("nobody.listens", "lost")
        await forwarded.wait()  # set once it has published the copy
        assert [(d.message, d.reason) for d in system.dead_letters.recent] == [
            ("lost", "no_subscribers")
        ]


async def test_a_dead_letter_record_made_by_the_user_is_a_message_like_any_other() -> None:
    """Only the runtime's own copies are exempt: a `DeadLetter` a user builds (or one that
    came from another system) and sends nowhere is lost like any message, and counted."""
    made = DeadLetter("m", "/elsewhere", "stopped", 0.0)
    async with asyncio.timeout(10), ActorSystem() as system:
        gone = await system.spawn(Sink)
        await gone.stop()
        gone.tell(made)
        assert system.publish("nobody.listens", made) == 0
        assert [(d.message, d.reason) for d in system.dead_letters.recent] == [
            (made, "stopped"),
            (made, "no_subscribers"),
        ]


async def test_a_watcher_that_stops_drops_no_copy_of_its_own_queued_messages() -> None:
    """What a stopping watcher still held becomes dead letters, whose copies its closed mailbox
    refuses: not copies a full watcher dropped (`actorkit_mailbox_dropped_total`), since a
    stopped actor drops nothing, as a tell to one is a dead letter and no drop."""
    holding, release = asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(10), ActorSystem() as system:
        watcher = await system.spawn(Held, holding, release, restart="temporary")
        system.subscribe(watcher, DEAD_LETTER_TOPIC)
        watcher.tell("hold")
        await holding.wait()
        watcher.tell("queued")
        watcher.tell("also queued")
        release.set()
        await watcher.stop()
        assert system.dead_letters.by_reason == {"stopping": 2}
        stats = system.metrics.stats_for(Held)  # `actorkit_mailbox_dropped_total`
        assert stats is not None
        assert stats.dropped == 0


async def test_a_record_taken_from_recent_and_lost_again_is_a_dead_letter_again() -> None:
    """Watchers get a copy of their own: the record kept in `recent` is the user's to send,
    and lost, it is counted like any message, whether or not anyone watched it being made."""
    async with asyncio.timeout(10), ActorSystem() as system:
        watcher = await system.spawn(Sink)
        system.subscribe(watcher, DEAD_LETTER_TOPIC)
        system.publish("nobody.listens", "lost")
        record = system.dead_letters.recent[-1]
        assert system.publish("nobody.listens", record) == 0
        assert [(d.message, d.reason) for d in system.dead_letters.recent] == [
            ("lost", "no_subscribers"),
            (record, "no_subscribers"),
        ]
        assert system.dead_letters.count == 2


async def test_watchers_follow_subscriptions_to_the_topic_as_they_change() -> None:
    """Whether anyone watches is asked again after every subscription change: a watcher gets
    the letters made while it is subscribed, by whichever pattern, and none after."""
    async with asyncio.timeout(10), ActorSystem() as system:
        gone = await system.spawn(Sink)
        await gone.stop()
        watcher = await system.spawn(Notes)
        gone.tell(1)  # nobody watches yet
        system.subscribe(watcher, "actorkit.*")
        gone.tell(2)
        system.subscribe(watcher, "other.topic")
        gone.tell(3)
        system.unsubscribe(watcher, "actorkit.*")
        gone.tell(4)
        system.subscribe(watcher, ">")
        gone.tell(5)
        system.unsubscribe(watcher)
        gone.tell(6)
        system.subscribe(watcher, DEAD_LETTER_TOPIC)
        gone.tell(7)
        seen = await watcher.ask("seen")
        recent = system.dead_letters.recent
    assert [letter.message for letter in seen] == [2, 3, 5, 7]
    assert all(type(letter) is DeadLetter for letter in seen)
    kept = {id(letter) for letter in recent}
    assert not any(id(letter) in kept for letter in seen)  # copies, never the records kept
    assert [(d.message, d.reason) for d in recent] == [(i, "stopped") for i in range(1, 8)]
    assert system.dead_letters.count == 7
