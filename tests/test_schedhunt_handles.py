"""The handle `system.schedule_once` / `schedule_every` return (docs/api.md §5): what it shows
of itself, and its `cancel()` from a thread other than its loop's.

A cancel changes the timer queue's tables (its count of pending timers, its dead entries and
their compaction, the stops it follows), so from another thread it is refused, as
`schedule_*` are, before anything changes: unchecked, it raced the loop's firing of the same
timer (a `cancel()` that answered True for a message sent anyway, and `pending_timers` counted
down twice for it). A handle that has ended changes nothing, so it answers anywhere."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

from actorkit import ActorSystem
from actorkit.testing import ManualClock, Probe, pending_timers


async def in_another_thread(call: Callable[[], Any]) -> object:
    """What `call()` returns or raises, run in a thread of its own."""

    def in_the_thread() -> object:
        try:
            return call()
        except BaseException as error:  # handed back to the test's loop
            return error

    return await asyncio.to_thread(in_the_thread)


async def test_a_cancel_from_another_thread_is_refused_and_changes_nothing() -> None:
    async with asyncio.timeout(10), ActorSystem("app", clock=ManualClock()) as system:
        probe = await Probe.spawn(system)
        handles = [
            system.schedule_once(5.0, probe.ref, "once"),
            system.schedule_every(5.0, probe.ref, "every"),
        ]
        for handle in handles:
            error = await in_another_thread(handle.cancel)
            assert isinstance(error, RuntimeError), error
            said = str(error)
            assert "handle.cancel() of actor system 'app' was called from another thread" in said
            assert "loop.call_soon_threadsafe(handle.cancel)" in said
            assert handle.active
        assert pending_timers(system) == 2
        loop = asyncio.get_running_loop()
        cancelled = asyncio.Event()

        def hand_over() -> None:
            for handle in handles:
                loop.call_soon_threadsafe(handle.cancel)
            loop.call_soon_threadsafe(cancelled.set)

        await in_another_thread(hand_over)
        await cancelled.wait()
        assert [handle.active for handle in handles] == [False, False]
        assert pending_timers(system) == 0
        assert await in_another_thread(handles[0].cancel) is False  # ended: nothing to change


def test_a_cancel_from_a_thread_while_the_loop_is_not_running_is_taken() -> None:
    """Between two `run_until_complete` nothing runs on the loop, so no firing can race it:
    the same rule as `schedule_*` (`check_thread`)."""
    loop = asyncio.new_event_loop()
    try:
        system = ActorSystem("app", clock=ManualClock())
        loop.run_until_complete(system.start())
        probe = loop.run_until_complete(Probe.spawn(system))
        handle = system.schedule_once(5.0, probe.ref, "once")
        taken: list[bool] = []
        thread = threading.Thread(target=lambda: taken.append(handle.cancel()))
        thread.start()
        thread.join(5)
        assert taken == [True]
        assert pending_timers(system) == 0
        loop.run_until_complete(system.shutdown())
    finally:
        loop.close()


async def test_a_handle_shows_its_kind_target_and_due_time_until_it_ends() -> None:
    clock = ManualClock()
    async with asyncio.timeout(10), ActorSystem("app", clock=clock) as system:
        probe = await Probe.spawn(system, name="probe")
        once = system.schedule_once(5.0, probe.ref, "once")
        every = system.schedule_every(2.0, probe.ref, "every", initial_delay=0.5)
        assert repr(once) == "<TimerHandle once to <ActorRef /probe alive> due=5.0>"
        assert repr(every) == "<TimerHandle every 2.0s to <ActorRef /probe alive> due=0.5>"
        await clock.advance(1.0)
        assert repr(every) == "<TimerHandle every 2.0s to <ActorRef /probe alive> due=2.5>"
        assert once.cancel() and every.cancel()
        assert repr(once) == "<TimerHandle once ended>"
        assert repr(every) == "<TimerHandle every 2.0s ended>"
        await probe.expect("every")
