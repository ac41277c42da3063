"""The kernel's timer queue as a unit: due order, periodic ticks, cancellation, full targets."""

from __future__ import annotations

import asyncio
import gc
import random
from collections.abc import Callable

from actorkit._dead_letters import DeadLetters
from actorkit._timers import TimerHandle, TimerQueue

from .timer_queue_support import Target, setup


async def test_timers_fire_in_due_order_ties_in_scheduling_order() -> None:
    clock, queue, _, target = setup()
    for message, delay in [("c", 2.0), ("a", 1.0), ("b1", 1.5), ("b2", 1.5)]:
        queue.schedule(target, message, delay, None)
    assert queue.pending == 4 and len(queue) == 4
    await clock.advance(3.0)
    assert target.told == [(1.0, "a"), (1.5, "b1"), (1.5, "b2"), (2.0, "c")]
    assert queue.pending == 0 and len(queue) == 0


async def test_timers_in_and_out_of_scheduling_order_fire_merged() -> None:
    """Timers that arrive in due order queue in a run, the others in a heap: firing merges
    them by due time, ties in scheduling order, periodic ticks among them on their grid."""
    clock, queue, _, target = setup()
    rng = random.Random(7)
    expected: list[tuple[float, int, object]] = []
    queue.schedule(target, "every", 0.75, 0.75)
    for i in range(2000):
        if rng.random() < 0.05:
            await clock.advance(rng.choice([0.0, 0.5, 1.0]))
        delay = rng.choice([0.0, 0.5, 0.75, 1.0, 1.5, 3.0])
        queue.schedule(target, i, delay, None)
        expected.append((clock.now() + delay, len(expected) + 1, i))
    end = clock.now() + 10.0
    ticks: list[tuple[float, int, object]] = [
        (0.75 * k, 0, "every") for k in range(1, int(end / 0.75) + 1)
    ]
    await clock.advance(10.0)
    got = [message for _, message in target.told]
    assert got == [message for *_, message in sorted(expected + ticks)]
    assert all(
        told >= due
        for (told, _), (due, *_) in zip(target.told, sorted(expected + ticks), strict=True)
    )
    assert queue.pending == 1 and len(queue) == 1


async def test_a_periodic_timer_coalesces_missed_ticks_and_ends_when_cancelled() -> None:
    clock, queue, _, target = setup()
    handle = queue.schedule(target, "tick", 1.0, 1.0)
    await clock.advance(3.5)
    assert [t for t, _ in target.told] == [1.0, 2.0, 3.0]
    assert handle.cancel() and not handle.cancel()
    await clock.advance(5.0)
    assert len(target.told) == 3 and queue.pending == 0


async def test_cancelled_timers_no_longer_count() -> None:
    _, queue, _, target = setup()
    handles = [queue.schedule(target, i, 100.0 + i, None) for i in range(5000)]
    for handle in handles[:4000]:
        handle.cancel()
    assert len(queue) == 1000
    assert queue.pending == 1000


async def test_a_full_target_makes_a_dead_letter_not_an_error() -> None:
    clock, queue, dead, target = setup()
    target.full = True
    queue.schedule(target, "tick", 1.0, None)
    await clock.advance(1.0)
    assert dead.by_reason == {"mailbox_full": 1}


class _HeldClock:
    """A clock read as 1000.0 until the test moves it, which runs what it was asked to call."""

    resolution = 0.0

    def __init__(self) -> None:
        self.time = 1000.0
        self.calls: list[tuple[float, Callable[[], object]]] = []

    def now(self) -> float:
        return self.time

    def call_at(self, when: float, callback: Callable[[], object]) -> _HeldClock:
        self.calls.append((when, callback))
        return self

    def cancel(self) -> None:
        self.calls.pop()

    def attach(self, loop: asyncio.AbstractEventLoop, idle: Callable[[], bool]) -> None:
        """Never called: the queue only reads the time and sets its one timer."""

    def detach(self, idle: Callable[[], bool]) -> None:
        """Never called, as `attach`."""

    def run_next(self) -> float:
        when, callback = self.calls.pop()
        self.time = max(self.time, when)
        callback()
        return when


class _Spinning(SystemExit):
    """An exit, the one failure of a tell a timer lets out: out of a firing that would deliver
    without end."""


def test_an_interval_below_the_clocks_step_still_moves_each_tick_later() -> None:
    """At 1000 s a float steps by about 1e-13, so 1e-14 added to a due time is lost: the
    re-filed tick was due again at once, and the firing spun on it forever, holding the
    loop. Each tick is sent once per firing, the next due strictly later."""
    clock = _HeldClock()
    target = Target()
    target.clock = clock  # type: ignore[assignment]
    queue = TimerQueue(DeadLetters(clock.now), clock)

    def tell(message: object) -> None:
        target.told.append((clock.now(), message))
        if len(target.told) > 5:
            raise _Spinning

    target.tell = tell  # type: ignore[method-assign]
    queue.schedule(target, "tick", 0.0, 1e-14)
    fired = [clock.run_next() for _ in range(3)]
    assert fired[0] < fired[1] < fired[2] < clock.calls[-1][0]
    assert [when for when, _ in target.told] == fired


def test_a_periodic_timer_one_interval_late_coalesces_into_one_tick() -> None:
    """Due at 10.0 and fired at 10.1, one 0.1 s interval late: `(10.1 - 10.0) / 0.1` is a
    hair under 1 in floats, which put the next tick at 10.1 itself, a second tick in the
    same instant. Missed ticks coalesce into one, the next on the grid after now."""
    clock = _HeldClock()
    clock.time = 10.0
    target = Target()
    target.clock = clock  # type: ignore[assignment]
    queue = TimerQueue(DeadLetters(clock.now), clock)
    queue.schedule(target, "tick", 0.0, 0.1)
    clock.time = 10.1  # the loop was late
    clock.run_next()
    assert target.told == [(10.1, "tick")]
    assert clock.calls[-1][0] > 10.15


async def test_one_clock_entry_is_armed_for_the_earliest_timer_and_none_after_close() -> None:
    clock, queue, _, target = setup()
    queue.schedule(target, "late", 10.0, None)
    queue.schedule(target, "early", 5.0, None)
    assert clock.pending == 1 and clock.next_due() == 5.0
    queue.close()
    assert clock.pending == 0 and len(queue) == 0 and queue.pending == 0


async def test_a_cancelled_entry_leaves_the_count_when_it_comes_due() -> None:
    clock, queue, _, target = setup()
    queue.schedule(target, "a", 1.0, None).cancel()
    queue.schedule(target, "b", 2.0, None)
    await clock.advance(1.5)
    assert len(queue) == 1 and queue.pending == 1
    await clock.advance(1.0)
    assert len(queue) == 0 and target.told == [(2.0, "b")]


def live_handles() -> int:
    return sum(1 for obj in gc.get_objects() if type(obj) is TimerHandle)


async def test_cancelled_entries_are_dropped_once_they_outnumber_live_ones() -> None:
    """The cancelled heap entries are compacted away before they are due (so 1,025 cancelled
    timers an hour out hold nothing for the hour), and what is left fires in due order, even
    when the entries that arrived in order are all gone and only the others remain."""
    clock, queue, _, target = setup()
    rng = random.Random(3)
    queue.schedule(target, "first", 5.0, None)
    fillers = [queue.schedule(target, "filler", 1000.0 + i, None) for i in range(925)]
    dues = rng.sample(range(10, 900), 200)  # each earlier than the last filler: heap entries
    handles = {due: queue.schedule(target, due, float(due), None) for due in dues}
    before = live_handles()
    cancelled = rng.sample(dues, 100)
    for due in cancelled:
        handles.pop(due).cancel()
    for handle in fillers:
        handle.cancel()
    del fillers, handle
    assert before - live_handles() == 1025 and len(queue) == 101
    await clock.advance(1000.0)
    assert [message for _, message in target.told] == ["first", *sorted(handles)]
    assert all(when == due for when, due in target.told[1:])
