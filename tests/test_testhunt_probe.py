"""Probe as a demanding user's test leans on it: a check that cannot even be made of the
message fails as a mismatch does, naming the message; and a probe as a death watcher, a
dead-letter subscriber, an asked actor and a target told before anything awaits it."""

from __future__ import annotations

from typing import Any

import pytest

from actorkit import DEAD_LETTER_TOPIC, Actor, ActorRef, ActorSystem, DeadLetter
from actorkit.testing import ManualClock, Probe


class _NoEquality:
    """A message (or an expected value) whose `==` raises, as a numpy array's truth does."""

    def __eq__(self, other: object) -> bool:
        raise ValueError("the truth value of an array with more than one element is ambiguous")

    __hash__ = object.__hash__


class Asker(Actor):
    """Asks `target` for each message and tells `out` the answer."""

    def __init__(self, target: ActorRef, out: ActorRef) -> None:
        self.target = target
        self.out = out

    async def receive(self, message: Any) -> None:
        self.out.tell(("answer", await self.target.ask(message, timeout=1.0)))


async def test_a_predicate_that_raises_on_the_message_fails_naming_the_message() -> None:
    async with ActorSystem(clock=ManualClock()) as system:
        probe = await Probe.spawn(system)
        probe.ref.tell("hello")
        probe.ref.tell("next")
        with pytest.raises(AssertionError, match=r"probe expected .*got 'hello'.*AttributeError"):
            await probe.expect(lambda m: m.value == 3)
        assert await probe.expect("next") == "next"  # the one checked was taken, as on a mismatch


@pytest.mark.parametrize("told", ["x", _NoEquality()])
async def test_an_equality_that_raises_fails_naming_the_message(told: object) -> None:
    expected: object = _NoEquality() if isinstance(told, str) else "x"
    async with ActorSystem(clock=ManualClock()) as system:
        probe = await Probe.spawn(system)
        probe.ref.tell(told)
        with pytest.raises(AssertionError, match=r"probe expected .*ValueError.*ambiguous"):
            await probe.expect(expected)
        probe.expect_empty()


async def test_a_watching_probe_receives_terminated_once_with_the_reason() -> None:
    clock = ManualClock()
    async with ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        target = await Probe.spawn(system)
        probe.watch(target.ref)
        await target.ref.stop()
        ended = await probe.expect_terminated(target.ref)
        assert ended.reason is None
        await clock.advance(1.0)
        probe.expect_empty()


async def test_a_probe_subscribed_to_dead_letters_gets_each_with_why_and_when() -> None:
    clock = ManualClock(start=7.0)
    async with ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        system.subscribe(probe.ref, DEAD_LETTER_TOPIC)
        gone = await Probe.spawn(system, name="gone")
        await gone.ref.stop()
        gone.ref.tell("lost")
        system.publish("nobody.listens", "unheard")
        first = await probe.expect(DeadLetter)
        assert (first.message, first.recipient, first.reason, first.time) == (
            "lost",
            "/gone",
            "stopped",
            7.0,
        )
        second = await probe.expect(DeadLetter)
        assert (second.message, second.reason) == ("unheard", "no_subscribers")
        probe.expect_empty()


async def test_a_probe_asked_by_an_actor_answers_with_its_reply_and_records_the_question() -> None:
    async with ActorSystem(clock=ManualClock()) as system:
        probe = await Probe.spawn(system)
        out = await Probe.spawn(system)
        asker = await system.spawn(Asker, probe.ref, out.ref)
        asker.tell("how many?")
        assert await probe.expect("how many?") == "how many?"
        assert await out.expect(("answer", None)) == ("answer", None)
        probe.reply = 42
        asker.tell("and now?")
        await out.expect(("answer", 42))
        await probe.expect("and now?")
        probe.expect_empty()
        out.expect_empty()


async def test_messages_told_before_anything_awaits_the_probe_come_in_order() -> None:
    async with ActorSystem(clock=ManualClock()) as system:
        probe = await Probe.spawn(system)
        for n in range(1000):
            probe.ref.tell(n)
        assert probe.pending == 1000
        with pytest.raises(AssertionError, match="1000 unexpected messages, next: 0"):
            probe.expect_empty()
        assert [await probe.receive() for _ in range(1000)] == list(range(1000))
        assert probe.pending == 0


async def test_an_expect_that_times_out_says_what_it_expected_and_that_the_clock_waits() -> None:
    """The README's own example with the advance forgotten: the message comes at 5.0 on a
    clock nobody moves, and the real-time safety net runs out."""
    clock = ManualClock()
    async with ActorSystem(clock=clock) as system:
        probe = await Probe.spawn(system)
        system.schedule_once(5.0, probe.ref, "ping")
        with pytest.raises(TimeoutError) as timed_out:
            await probe.expect("ping", timeout=0.05)
        said = str(timed_out.value)
        assert "nothing within 0.05 s" in said
        assert "expected 'ping'" in said
        assert "ManualClock reads 0.0" in said and "due at 5.0" in said and "advance" in said
        await clock.advance(5.0)
        await probe.expect("ping")
        with pytest.raises(TimeoutError) as again:  # nothing due now: no word of the clock
            await probe.receive(timeout=0.01)
        assert str(again.value) == "the probe received nothing within 0.01 s"
