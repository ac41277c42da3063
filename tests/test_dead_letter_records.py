"""The records of `system.dead_letters`: built only for whoever reads them, and then the
same objects at every read, and the very records listeners get."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, DeadLetter


class Sink(Actor):
    async def receive(self, message: Any) -> Any:
        return None


def count_built(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A one-item list that counts the `DeadLetter` records built from now on."""
    built = [0]
    make = DeadLetter.__init__

    def counted(self: DeadLetter, *fields: Any) -> None:
        built[0] += 1
        make(self, *fields)

    monkeypatch.setattr(DeadLetter, "__init__", counted)
    return built


async def test_a_dead_letter_nobody_reads_builds_no_record(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A producer telling a stopped actor pays for the count, not for a frozen dataclass per
    message: the records are built when `recent` is read, once."""
    async with asyncio.timeout(10), ActorSystem() as system:
        gone = await system.spawn(Sink)
        await gone.stop()
        built = count_built(monkeypatch)
        for i in range(1500):
            gone.tell(i)
        assert built == [0]
        assert system.dead_letters.count == 1500
        assert system.dead_letters.by_reason == {"stopped": 1500}
        first = system.dead_letters.recent
        assert built == [1000]  # the ring's, the oldest 500 gone
        again = system.dead_letters.recent
        assert built == [1000]
    assert [d.message for d in first] == list(range(500, 1500))
    assert {(d.recipient, d.reason) for d in first} == {(gone.path, "stopped")}
    assert all(a is b for a, b in zip(first, again, strict=True))
    assert first is not again  # a new list at each read


async def test_a_record_is_the_same_object_at_every_read_and_for_a_listener() -> None:
    """Letters made before a listener came, read or not, and those made after, which the
    listener gets: each is one record, whichever way it is reached."""
    heard: list[DeadLetter] = []
    async with asyncio.timeout(10), ActorSystem() as system:
        gone = await system.spawn(Sink)
        await gone.stop()
        gone.tell("read")
        read = system.dead_letters.recent[-1]
        gone.tell("unread")
        system.dead_letters.listen(heard.append)
        gone.tell("heard")
        gone.tell("heard later")
        recent = system.dead_letters.recent
        again = system.dead_letters.recent
    assert [d.message for d in recent] == ["read", "unread", "heard", "heard later"]
    assert all(a is b for a, b in zip(recent, again, strict=True))
    assert recent[0] is read
    assert heard == recent[2:]
    assert all(a is b for a, b in zip(heard, recent[2:], strict=True))
    assert recent[2].time <= recent[3].time


class TellsWhenCollected:
    """A garbage cycle whose finalizer tells a stopped actor: a dead letter recorded by
    whichever allocation happens to start a collection."""

    def __init__(self, ref: Any) -> None:
        self.ref = ref
        self.cycle = self

    def __del__(self) -> None:
        self.ref.tell("collected")


async def test_a_dead_letter_recorded_while_recent_builds_the_records() -> None:
    """Building 1,000 records allocates enough to start a garbage collection, and a finalizer
    it runs may record a dead letter: the read neither breaks on it nor loses it."""
    async with asyncio.timeout(10), ActorSystem() as system:
        gone = await system.spawn(Sink)
        await gone.stop()
        for i in range(1000):
            gone.tell(i)
        thresholds = gc.get_threshold()
        gc.collect()
        try:
            gc.set_threshold(100, *thresholds[1:])  # a collection within the 1,000 builds
            TellsWhenCollected(gone)
            recent = system.dead_letters.recent
        finally:
            gc.set_threshold(*thresholds)
        gc.collect()  # the finalizer has run, during the read or now
        again = system.dead_letters.recent
        assert system.dead_letters.count == 1001
    assert [d.message for d in again] == [*range(1, 1000), "collected"]
    kept = {id(d): d for d in again}
    assert all(kept.get(id(d)) is d for d in recent if d.message != 0)  # the same records


async def test_the_dead_letters_repr_gives_the_count_and_the_reasons() -> None:
    """What a debugger or a log line shows of `system.dead_letters`: the totals, no records."""
    async with asyncio.timeout(10), ActorSystem() as system:
        gone = await system.spawn(Sink)
        await gone.stop()
        gone.tell(1)
        gone.tell(2)
        system.publish("nobody.listens", 3)
        assert repr(system.dead_letters) == (
            "DeadLetters(count=3, by_reason={'stopped': 2, 'no_subscribers': 1})"
        )


def test_a_dead_letter_before_the_system_started_is_dated_zero() -> None:
    """Outside any event loop the system clock cannot be read: a publish before `start`
    still records its dead letter, at time 0.0, rather than raise."""
    system = ActorSystem()
    assert system.publish("nobody.listens", "early") == 0
    [letter] = system.dead_letters.recent
    assert (letter.message, letter.recipient, letter.reason, letter.time) == (
        "early",
        "nobody.listens",
        "no_subscribers",
        0.0,
    )
