"""ManualClock, Probe and the store-call count at their edges: a clock started below zero, an
overdue timer, the clock left whole by its own error, and the descriptions its errors carry."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import actorkit.testing
from actorkit import Actor, ActorSystem
from actorkit._settling import describe
from actorkit.testing import ManualClock, Probe, instance

pytestmark = pytest.mark.timeout(10)


async def test_a_clock_started_below_zero_fires_what_is_due_at_the_target() -> None:
    clock = ManualClock(start=-10.0)
    fired: list[float] = []
    clock.call_at(-9.0, lambda: fired.append(clock.now()))
    await clock.advance(1.0)
    assert fired == [-9.0] and clock.now() == -9.0


async def test_an_overdue_timer_fires_at_the_current_time_never_earlier() -> None:
    clock = ManualClock()
    await clock.advance(5.0)
    fired: list[float] = []
    clock.call_at(1.0, lambda: fired.append(clock.now()))
    await clock.advance(0)
    assert fired == [5.0] and clock.now() == 5.0


async def test_next_due_skips_a_cancelled_first_timer_to_the_earliest_left() -> None:
    clock = ManualClock()
    first = clock.call_at(1.0, lambda: None)
    clock.call_at(5.0, lambda: None)
    clock.call_at(2.0, lambda: None)
    first.cancel()
    assert (clock.pending, clock.next_due()) == (2, 2.0)


async def test_the_standing_time_error_leaves_the_rearming_timer_due(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(actorkit.testing, "SETTLE_LIMIT", 20)
    clock = ManualClock()
    fired: list[float] = []

    def again() -> None:
        fired.append(clock.now())
        clock.call_at(clock.now(), again)

    clock.call_at(1.0, again)
    with pytest.raises(RuntimeError, match=r"fired 20 timers at 1\.0 without time moving"):
        await clock.advance(2.0)
    assert (clock.pending, clock.next_due(), clock.now()) == (1, 1.0, 1.0)


async def test_probe_expect_fails_on_a_predicate_that_answers_falsy_not_false() -> None:
    async with asyncio.timeout(5), ActorSystem() as system:
        probe = await Probe.spawn(system)
        probe.ref.tell({"n": 0})
        with pytest.raises(AssertionError, match="probe expected"):
            await probe.expect(lambda m: m.get("n"))


def test_a_probe_not_spawned_has_nothing_pending() -> None:
    probe = Probe()
    assert probe.pending == 0
    probe.expect_empty()


async def test_descriptions_of_tasks_name_five_and_count_the_rest() -> None:
    async def parked(event: asyncio.Event) -> None:
        await event.wait()

    event = asyncio.Event()
    tasks = [asyncio.create_task(parked(event), name=f"t{n}") for n in range(7)]
    text = describe(tasks)
    assert [name in text for name in ("t0", "t4", "t5")] == [True, True, False]
    assert text.endswith(" and 2 more")
    assert "more" not in describe(tasks[:5])
    assert describe([]) == "no task (plain loop callbacks)"
    event.set()
    await asyncio.gather(*tasks)


def test_descriptions_of_store_calls_name_five_oldest_first_and_count_the_rest() -> None:
    calls = ManualClock().store_calls
    assert calls.describe() == "none"
    with calls.call("c0"), calls.call("c1"), calls.call("c2"), calls.call("c3"), calls.call("c4"):
        assert "more" not in calls.describe()
        with calls.call("c5"), calls.call("c6"):
            text = calls.describe()
    assert text.startswith("c0 for 0.0 s, c1 for") and " c4 for " in text
    assert "c5" not in text and text.endswith(" and 2 more")
    assert (len(calls), calls.describe()) == (0, "none")


class Hopping(Actor):
    """Waits `HOPS` times on a future that a plain loop callback resolves: between hops no task
    can run, yet the actor is still busy with its message."""

    HOPS = 5

    def __init__(self) -> None:
        self.hops = 0

    async def receive(self, message: Any) -> Any:
        loop = asyncio.get_running_loop()
        for _ in range(self.HOPS):
            future = loop.create_future()
            loop.call_soon(future.set_result, None)
            await future
            self.hops += 1


async def test_settle_waits_out_a_handler_resumed_by_plain_loop_callbacks(
    clock: ManualClock,
) -> None:
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Hopping)
        ref.tell("go")
        await clock.settle()
        hopping = instance(ref)
        assert isinstance(hopping, Hopping)
        assert hopping.hops == Hopping.HOPS


class Spinner(Actor):
    async def receive(self, message: Any) -> Any:
        self.ref.tell(message)


async def test_settle_s_error_names_the_task_still_runnable_and_no_store_call(
    clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(actorkit.testing, "SETTLE_LIMIT", 50)
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Spinner)
        ref.tell("again")
        with pytest.raises(RuntimeError) as info:
            await clock.settle()
        await ref.stop()
    assert "still runnable: " in str(info.value) and "no task" not in str(info.value)
    assert f"still runnable: actor {ref.path};" in str(info.value)
    assert str(info.value).endswith("; store calls in flight: none")


async def test_a_store_call_ending_as_its_waiter_is_cancelled_ends_cleanly() -> None:
    """A settle cancelled (a test's own timeout) just as a store call ends: the call, the
    actor's `persist`, must not fail for the waiter that is gone."""
    calls = ManualClock().store_calls
    with calls.call("SQLiteStore.append('/a')"):
        waiting = asyncio.create_task(calls.one_ends(5.0))
        await asyncio.sleep(0)
        waiting.cancel()  # its waiter is cancelled now; the task runs its cleanup later
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert len(calls) == 0
