"""`TimerQueue.move`: a live timer filed again for another time, as the same handle; the entry
it leaves behind fires nothing and counts as dead until it is dropped."""

from __future__ import annotations

from actorkit._timers import COMPACT_AT

from .timer_queue_support import setup


async def test_a_moved_timer_fires_once_at_its_new_time_only() -> None:
    clock, queue, _, target = setup()
    later = queue.schedule(target, "later", 1.0, None)
    sooner = queue.schedule(target, "sooner", 5.0, None)
    queue.move(later, 3.0)
    queue.move(sooner, 2.0)
    assert len(queue) == 2 and queue.pending == 2
    await clock.advance(10.0)
    assert target.told == [(2.0, "sooner"), (3.0, "later")]
    assert len(queue) == 0 and queue.pending == 0


async def test_a_timer_moved_away_and_back_fires_once() -> None:
    clock, queue, _, target = setup()
    once = queue.schedule(target, "once", 1.0, None)
    every = queue.schedule(target, "every", 1.0, 1.0)
    for handle in (once, every):
        queue.move(handle, 2.0)
        queue.move(handle, 1.0)
    assert len(queue) == 2
    await clock.advance(2.5)
    assert target.told == [(1.0, "once"), (1.0, "every"), (2.0, "every")]
    every.cancel()
    await clock.advance(5.0)
    assert len(queue) == 0 and queue.pending == 0


async def test_a_periodic_timer_keeps_its_interval_from_where_it_moved() -> None:
    clock, queue, _, target = setup()
    every = queue.schedule(target, "tick", 1.0, 1.0)
    await clock.advance(1.0)
    queue.move(every, 2.5)
    await clock.advance(3.0)
    assert [at for at, _ in target.told] == [1.0, 2.5, 3.5]


async def test_a_compaction_keeps_one_entry_of_a_timer_moved_away_and_back() -> None:
    clock, queue, _, target = setup()
    moved = queue.schedule(target, "moved", 1.0, None)
    queue.move(moved, 2.0)
    queue.move(moved, 1.0)
    for i in range(COMPACT_AT + 2):  # cancelled entries past the mark: a compaction
        queue.schedule(target, i, 3.0, None).cancel()
    assert len(queue) == 1
    await clock.advance(5.0)
    assert target.told == [(1.0, "moved")]
    assert len(queue) == 0 and queue.pending == 0


async def test_entries_left_by_moves_alone_are_compacted() -> None:
    """A step of the wall clock moves every armed reminder: what they leave behind does not
    wait for their old due times, which may be hours away."""
    clock, queue, _, target = setup()
    handles = [queue.schedule(target, i, 3600.0, None) for i in range(COMPACT_AT + 2)]
    for delay in (60.0, 30.0):  # two steps: dead entries come to outnumber live ones
        for handle in handles:
            queue.move(handle, delay)
    assert len(queue._heap) + len(queue._run) < 2 * len(handles)  # noqa: SLF001
    assert len(queue) == len(handles)
    await clock.advance(3600.0)
    assert [at for at, _ in target.told] == [30.0] * len(handles)
    assert len(queue) == 0 and queue.pending == 0


async def test_a_compaction_drops_the_entry_a_timer_moved_later_left_before_its_own() -> None:
    """Moved past everything filed, a timer's new entry joins the in-order run behind its old
    one: the compaction meets the old entry first and must not keep it as the timer's."""
    clock, queue, _, target = setup()
    moved = queue.schedule(target, "moved", 1.0, None)
    queue.schedule(target, "other", 2.0, None)
    queue.move(moved, 3.0)
    for i in range(COMPACT_AT + 2):  # cancelled entries past the mark: a compaction
        queue.schedule(target, i, 4.0, None).cancel()
    assert len(queue) == 2
    await clock.advance(5.0)
    assert target.told == [(2.0, "other"), (3.0, "moved")]
    assert len(queue) == 0 and queue.pending == 0
