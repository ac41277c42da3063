"""Tasks given deadlines in a burst: one clock timer for all, each expiring at its own
deadline with its own words; none left behind by tasks that start in time."""

from __future__ import annotations

import random

import pytest

from actorkit import ActorSystem, DeadlineExceeded, TaskStatus
from actorkit._tasks import _failures
from actorkit._tasks._failures import _seconds
from actorkit.testing import ManualClock

from .tasks_support import Block, Echo, Worker


async def test_a_burst_given_one_timeout_expires_at_its_deadlines_with_one_timer(
    clock: ManualClock,
) -> None:
    async with ActorSystem(clock=clock) as system:
        first = [await system.submit(i, requires=["nobody"], deadline=1.0) for i in range(100)]
        await clock.advance(0.5)
        second = [await system.submit(i, requires=["b", "a"], deadline=1.0) for i in range(100)]
        assert clock.pending == 1, "one timer for every deadline"
        await clock.advance(0.5)
        assert {h.status for h in first} == {TaskStatus.EXPIRED}
        assert {h.status for h in second} == {TaskStatus.PENDING}
        assert {h.finished_at for h in first} == {1.0}
        await clock.advance(0.75)
        assert {h.finished_at for h in second} == {1.5}
        assert (system.tasks.pending, system.tasks.by_status["expired"]) == (0, 200)
        assert clock.pending == 0
        with pytest.raises(DeadlineExceeded) as raised:
            await second[-1]
        assert str(raised.value) == (
            "task 200 was not started before its deadline: it had 1 s from submission and "
            "waited 1 s; give it a later deadline or more agents with ['a', 'b']"
        )


async def test_each_expired_task_tells_its_own_wait(clock: ManualClock) -> None:
    """Tasks expiring together waited for different times, to the millisecond."""
    async with ActorSystem(clock=clock) as system:
        early = await system.submit("x", deadline=2.0)
        await clock.advance(0.0125)
        late = await system.submit("y", requires=["nobody"], deadline=1.9875)
        await clock.advance(2.0)
        words = []
        for handle in (early, late):
            with pytest.raises(DeadlineExceeded) as raised:
                await handle
            words.append(str(raised.value).split(": ", 1)[1])
        assert words == [
            "it had 2 s from submission and waited 2 s; give it a later deadline or more "
            "agents with any capability",
            "it had 1.988 s from submission and waited 1.988 s; give it a later deadline or "
            "more agents with ['nobody']",
        ]


async def test_the_words_kept_for_expiries_stay_bounded(clock: ManualClock) -> None:
    async with ActorSystem(clock=clock) as system:
        for i in range(_failures.KEPT + 10):
            await system.submit(i, requires=[f"r{i}"], deadline=1.0 + i / 1000)
        await clock.advance(3.0)
        assert system.tasks.by_status["expired"] == _failures.KEPT + 10
    assert len(_failures.SECONDS) <= _failures.KEPT
    assert len(_failures.WORDS) <= _failures.KEPT


async def test_tasks_that_start_in_time_leave_no_timer(clock: ManualClock) -> None:
    async with ActorSystem(clock=clock) as system:
        await system.spawn(Echo)
        handles = [await system.submit(i, deadline=10.0) for i in range(50)]
        assert [(await handle).payload for handle in handles] == list(range(50))
        assert clock.pending == 0
        await clock.advance(10.0)
        assert system.tasks.by_status["succeeded"] == 50


async def test_an_expiry_rounds_its_seconds_to_the_nearest_millisecond(clock: ManualClock) -> None:
    """4.9965 s is 4.99650000000000016 s as a float: 4.997 to the millisecond, as the
    decimal reads too; scaled to milliseconds it is 4996.5 exactly, which rounds to even."""
    words = await expiry_words(clock, deadline=4.9965)
    assert "it had 4.997 s from submission and waited 4.997 s;" in words


def test_expiry_seconds_are_rounded_as_round_to_3_places() -> None:
    rng = random.Random(5)
    for _ in range(20_000):
        seconds = rng.choice([rng.randrange(5, 100_000) / 10_000, rng.uniform(0.0005, 1e4)])
        assert _seconds(seconds) == f"{round(seconds, 3):g}", seconds


async def test_a_deadline_under_half_a_millisecond_is_not_told_as_none(clock: ManualClock) -> None:
    """To the millisecond, 0.4 ms is 0 s: "it had 0 s" would say the task had no time at all."""
    words = await expiry_words(clock, deadline=0.0004)
    assert "it had 0.0004 s from submission and waited 0.0004 s;" in words


async def expiry_words(clock: ManualClock, deadline: float) -> str:
    """The message of a task that no agent could take, once its deadline has passed."""
    async with ActorSystem(clock=clock) as system:
        handle = await system.submit("x", requires=["nobody"], deadline=deadline)
        await clock.advance(deadline + 0.001)
        with pytest.raises(DeadlineExceeded) as raised:
            await handle
        return str(raised.value)


async def test_the_one_entry_stays_due_for_a_started_task_until_its_time(
    clock: ManualClock,
) -> None:
    """As the docs say of `clock.pending` and `next_due()`: armed for the earliest deadline
    of a pending task, and left due when that task starts (moving it would cost a timer per
    start); gone once no task with a deadline is pending."""
    async with ActorSystem(clock=clock) as system:
        gate = Block()
        first = await system.submit(gate, requires=["work"], deadline=1.0)
        second = await system.submit("b", requires=["work"], deadline=2.0)
        await system.spawn(Worker, [])
        await gate.entered.wait()
        assert (first.status, system.tasks.pending) == (TaskStatus.RUNNING, 1)
        assert (clock.pending, clock.next_due()) == (1, 1.0)
        await clock.advance(1.0)
        assert (clock.pending, clock.next_due()) == (1, 2.0)
        second.cancel()
        assert (clock.pending, clock.next_due()) == (0, None)
        gate.release.set()
        await first
