"""`_tasks._deadlines`: one clock timer for the deadlines of every pending task, expiring them
in the order of deadline and then of submission (the task's id), never early, and leaving
neither a timer nor a growing heap behind the tasks that start in time."""

from __future__ import annotations

import itertools
from typing import Any

from actorkit._tasks._deadlines import _SLACK, Deadlines, Due
from actorkit.testing import ManualClock

_ids = itertools.count(1)


class Handle:
    """A task as the heap reads it: its deadline and its id, given in order of making."""

    def __init__(self, name: str, deadline: float) -> None:
        self.name = name
        self._deadline = deadline
        self._id = next(_ids)


def setup() -> tuple[ManualClock, Deadlines, list[tuple[str, float]]]:
    clock = ManualClock()
    expired: list[tuple[str, float]] = []

    def expire(handle: Any, now: float) -> None:
        expired.append((handle.name, now))

    deadlines = Deadlines(clock, expire)
    return clock, deadlines, expired


def add(deadlines: Deadlines, name: str, deadline: float) -> Due:
    handle: Any = Handle(name, deadline)
    return deadlines.add(handle)


async def test_one_timer_expires_each_task_at_its_deadline_in_submission_order() -> None:
    clock, deadlines, expired = setup()
    for name, deadline in [("c", 3.0), ("a1", 1.0), ("b", 2.0), ("a2", 1.0), ("e", 5.0)]:
        add(deadlines, name, deadline)
    assert clock.pending == 1 and clock.next_due() == 1.0
    await clock.advance(0.999)
    assert expired == [], "never before its deadline"
    await clock.advance(0.001)
    assert expired == [("a1", 1.0), ("a2", 1.0)]
    assert clock.pending == 1 and clock.next_due() == 2.0
    await clock.advance(4.0)
    assert expired[2:] == [("b", 2.0), ("c", 3.0), ("e", 5.0)]
    assert clock.pending == 0 and len(deadlines) == 0


async def test_an_earlier_deadline_moves_the_one_timer() -> None:
    clock, deadlines, expired = setup()
    add(deadlines, "late", 5.0)
    add(deadlines, "early", 2.0)
    assert clock.pending == 1 and clock.next_due() == 2.0
    await clock.advance(2.0)
    assert expired == [("early", 2.0)]


async def test_a_cancelled_entry_never_expires_and_the_timer_skips_it() -> None:
    clock, deadlines, expired = setup()
    first = add(deadlines, "started", 1.0)
    add(deadlines, "waiting", 2.0)
    first.cancel()
    first.cancel()  # twice: counted once
    assert len(deadlines) == 1
    await clock.advance(1.0)
    assert expired == []
    assert clock.next_due() == 2.0, "set again for the first entry not cancelled"
    await clock.advance(1.0)
    assert expired == [("waiting", 2.0)]


async def test_no_timer_is_left_once_every_entry_is_cancelled() -> None:
    clock, deadlines, _ = setup()
    dues = [add(deadlines, f"t{i}", 10.0 + i) for i in range(3)]
    for due in dues:
        due.cancel()
    assert clock.pending == 0 and deadlines.held == 0


def test_tasks_that_start_in_time_keep_the_heap_within_twice_the_pending_ones() -> None:
    clock, deadlines, _ = setup()
    waiting = [add(deadlines, f"w{i}", 100.0 + i) for i in range(10)]
    largest = 0
    for i in range(5_000):
        add(deadlines, f"s{i}", 50.0).cancel()  # a task that started before its deadline
        largest = max(largest, deadlines.held)
    assert len(deadlines) == len(waiting)
    assert largest <= 2 * len(waiting) + _SLACK + 1, largest
    assert clock.pending >= 1


async def test_a_task_filed_again_with_the_same_deadline_expires_once() -> None:
    """A retried task goes back to the queue with the deadline it was submitted with, while
    its first entry, cancelled when it started, may still be in the heap."""
    clock, deadlines, expired = setup()
    handle: Any = Handle("retried", 1.0)
    deadlines.add(handle).cancel()
    deadlines.add(handle)
    await clock.advance(1.0)
    assert expired == [("retried", 1.0)]


async def test_an_entry_filed_by_an_expiry_already_due_expires_in_the_same_firing() -> None:
    clock = ManualClock()
    expired: list[tuple[str, float]] = []

    def expire(handle: Any, now: float) -> None:
        expired.append((handle.name, now))
        if handle.name == "first":
            add(deadlines, "filed meanwhile", now)

    deadlines = Deadlines(clock, expire)
    add(deadlines, "first", 1.0)
    await clock.advance(1.0)
    assert expired == [("first", 1.0), ("filed meanwhile", 1.0)]
    assert clock.pending == 0


async def test_close_cancels_the_timer_and_every_entry() -> None:
    clock, deadlines, expired = setup()
    due = add(deadlines, "pending", 1.0)
    deadlines.close()
    assert clock.pending == 0 and len(deadlines) == 0
    due.cancel()  # its task failing at shutdown: nothing left to count
    assert len(deadlines) == 0 and deadlines.held == 0
    await clock.advance(2.0)
    assert expired == []
