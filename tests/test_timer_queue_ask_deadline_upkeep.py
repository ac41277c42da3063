"""Ask deadlines kept tidy: one timer, set again after each expiry, moved rather than doubled;
empty groups dropped in sweeps that stay rare; an answer that lands first is left alone."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from actorkit import ActorStopped, AskTimeout
from actorkit._clock import SWEEP_MIN, AskDeadlines
from actorkit._envelope import Ask, ask_envelope
from actorkit._when_due import clock_timeout
from actorkit.testing import ManualClock


def _ask(timeout: float = 1.0) -> Ask:
    return ask_envelope("question", asyncio.get_running_loop().create_future(), "/t", timeout)


def _file(deadlines: AskDeadlines, timeout: float, answered: bool = False) -> Ask:
    ask = _ask(timeout)
    bucket = deadlines.bucket_for(timeout)
    bucket[ask] = None
    if answered:
        bucket.pop(ask)
    return ask


class CountingClock(ManualClock):
    """A manual clock with the system clock's kind of resolution that counts the timers set."""

    resolution = 0.01

    def __init__(self) -> None:
        super().__init__()
        self.timers_set = 0

    def call_at(self, when: float, callback: Callable[[], object]) -> Any:
        self.timers_set += 1
        return super().call_at(when, callback)


async def test_an_ask_made_after_the_last_one_timed_out_still_times_out() -> None:
    clock = ManualClock()
    deadlines = AskDeadlines(clock)
    first = _file(deadlines, 1.0)
    await clock.advance(1.0)
    assert isinstance(first.future.exception(), AskTimeout)
    second = _file(deadlines, 1.0)  # no deadline left: the timer must be set again
    await clock.advance(1.0)
    assert isinstance(second.future.exception(), AskTimeout)


async def test_an_earlier_deadline_moves_the_one_timer_rather_than_adding_one() -> None:
    clock = ManualClock()
    deadlines = AskDeadlines(clock)
    _file(deadlines, 5.0)
    _file(deadlines, 1.0)
    assert clock.pending == 1


async def test_answered_groups_behind_an_expiry_leave_no_timer() -> None:
    clock = ManualClock()
    deadlines = AskDeadlines(clock)
    unanswered = _file(deadlines, 1.0)
    _file(deadlines, 2.0, answered=True)
    await clock.advance(1.0)
    assert isinstance(unanswered.future.exception(), AskTimeout)
    assert clock.pending == 0  # not a timer left for the empty group at 2.0


async def test_asks_whose_deadlines_round_together_time_out_on_one_timer() -> None:
    clock = CountingClock()
    deadlines = AskDeadlines(clock)
    asks = [_file(deadlines, timeout) for timeout in (1.001, 1.002, 1.003, 1.004)]
    await clock.advance(0.005)  # the rotation: deadlines 1.006 to 1.009, all due at 1.01
    set_by_then = clock.timers_set
    await clock.advance(1.005)
    assert all(isinstance(ask.future.exception(), AskTimeout) for ask in asks)
    assert clock.timers_set == set_by_then  # no timer for each of the four deadlines


async def test_a_sweep_keeps_the_earliest_deadline_first() -> None:
    clock = ManualClock()
    deadlines = AskDeadlines(clock)
    late, early = _file(deadlines, 100.0), _file(deadlines, 10.0)  # filed out of order
    for i in range(SWEEP_MIN):  # answered asks whose empty groups a sweep drops
        _file(deadlines, 200.0 + i / 1000, answered=True)
    await clock.advance(10.0)
    assert isinstance(early.future.exception(), AskTimeout)
    assert not late.future.done()
    await clock.advance(90.0)
    assert isinstance(late.future.exception(), AskTimeout)


async def test_sweeps_drop_empty_groups_and_stay_rare(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = ManualClock()
    deadlines = AskDeadlines(clock)
    sweeps = 0
    sweep = AskDeadlines._sweep  # noqa: SLF001 - the unit's own internals

    def counted(self: AskDeadlines) -> None:
        nonlocal sweeps
        sweeps += 1
        sweep(self)

    monkeypatch.setattr(AskDeadlines, "_sweep", counted)
    for i in range(SWEEP_MIN):  # all answered: the first sweep leaves no group
        _file(deadlines, 1e5 + i, answered=True)
    for i in range(20 * SWEEP_MIN):  # three asks in four answered, each in a group of its own
        _file(deadlines, 1e6 + i, answered=i % 4 != 0)
    assert deadlines.pending() == 5 * SWEEP_MIN
    groups = len(deadlines._groups)  # noqa: SLF001 - the unit's own internals
    assert groups <= 2 * deadlines.pending()  # empty groups do not pile up
    assert sweeps <= 20  # the threshold grows: not a sweep per new group once past it


async def test_asks_of_several_timeouts_share_one_rotation() -> None:
    clock = CountingClock()
    deadlines = AskDeadlines(clock)
    _file(deadlines, 1.0)
    _file(deadlines, 2.0)
    assert clock.pending == 1


async def test_pending_counts_filed_and_open_asks() -> None:
    clock = CountingClock()
    deadlines = AskDeadlines(clock)
    _file(deadlines, 5.0)
    await clock.advance(0.005)  # filed in a group
    _file(deadlines, 5.0)  # still in the open bucket
    assert deadlines.pending() == 2


async def test_a_reply_that_came_first_is_kept_at_the_deadline_and_at_close() -> None:
    clock = ManualClock()
    deadlines = AskDeadlines(clock)
    answered, waiting = _file(deadlines, 1.0), _file(deadlines, 1.0)
    answered.future.set_result("reply")  # its asker has not yet taken it out of the bucket
    await clock.advance(1.0)
    assert answered.future.result() == "reply"
    assert isinstance(waiting.future.exception(), AskTimeout)
    answered, waiting = _file(deadlines, 1.0), _file(deadlines, 1.0)
    answered.future.set_result("reply")
    deadlines.close("stopped")
    assert answered.future.result() == "reply"
    assert isinstance(waiting.future.exception(), ActorStopped)


async def test_a_timeout_names_the_target_the_timeout_and_the_advice() -> None:
    clock = ManualClock()
    ask = _file(AskDeadlines(clock), 1.5)
    remote = _file(AskDeadlines(clock, "check the link"), 1.5)
    await clock.advance(1.5)
    message = str(ask.future.exception())
    assert "/t" in message and "1.5s" in message and "make the handler faster" in message
    assert str(remote.future.exception()).endswith("; check the link")


async def test_clock_timeout_left_early_leaves_no_timer_behind() -> None:
    clock = ManualClock()
    async with clock_timeout(clock, 1.0):
        pass
    assert clock.pending == 0
    await clock.advance(2.0)  # nothing fires into the finished timeout


async def test_clock_timeout_ends_the_wait_when_the_clock_gets_there() -> None:
    clock = ManualClock()
    waiting = asyncio.Event()

    async def wait() -> None:
        async with clock_timeout(clock, 1.0):
            waiting.set()
            await asyncio.Event().wait()

    task = asyncio.create_task(wait())
    await waiting.wait()
    await clock.advance(0.999)
    assert not task.done()
    await clock.advance(0.001)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(task, 1.0)
