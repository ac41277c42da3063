"""`_loop_timer.call_at` on uvloop arms a timer for the first millisecond at which uvloop's
clock reads its time, not one later: uvloop's `time()` is a whole millisecond over 1000, so
a due time that is one of those floats (`now + 0.01` mostly is) is reached at exactly that
millisecond, and the difference `when - now` computed in floats overshoots a whole number of
milliseconds often enough that rounding it up armed a third of such timers a millisecond
late. A stand-in loop (uvloop's module name, its clock and `call_later`) checks the
arithmetic over many times without waiting for any."""

from __future__ import annotations

import asyncio
import math
import random
from collections.abc import Callable

import uvloop

from actorkit._loop_timer import call_at, timeout_at

MAX_SLEEP = 3600 * 24 * 365 * 100


class Arming:
    """The stand-in for uvloop's `TimerHandle` (`cancel`, `cancelled`), with the millisecond
    it was armed for."""

    def __init__(self, ms: int) -> None:
        self.ms = ms
        self._cancelled = False

    def cancel(self) -> None:
        self._cancelled = True

    def cancelled(self) -> bool:
        return self._cancelled


class FakeUvloop:
    """uvloop's timer arithmetic: `time()` is the current millisecond over 1000, and a delay
    is rounded to the nearest millisecond, run at that many milliseconds from now, and
    capped at 100 years."""

    def __init__(self, now_ms: int) -> None:
        self.now_ms = now_ms
        self.armed_ms: int | None = None

    def time(self) -> float:
        return self.now_ms / 1000

    def call_later(self, delay: float, callback: Callable[[], object]) -> Arming:
        delay = min(max(delay, 0), MAX_SLEEP)
        self.armed_ms = self.now_ms + round(delay * 1000)
        return Arming(self.armed_ms)

    def call_at(self, when: float, callback: Callable[[], object]) -> Arming:
        return self.call_later(when - self.time(), callback)


FakeUvloop.__module__ = "uvloop.fake"


def first_ms_reading(when: float) -> int:
    """The first millisecond at which the fake clock reads `when` or later."""
    ms = math.floor(when * 1000) - 2
    while ms / 1000 < when:
        ms += 1
    return ms


def test_a_timer_is_armed_for_the_first_millisecond_its_time_is_read() -> None:
    rnd = random.Random(7)
    late, early = [], []
    for _ in range(20_000):
        now_ms = rnd.randrange(0, 10**10)  # up to 115 days of uptime
        now = now_ms / 1000
        when = rnd.choice(
            (
                now + rnd.randrange(1, 100) / 1000,  # a whole number of ms from now
                (now_ms + rnd.randrange(1, 100)) / 1000,  # a time the clock reads
                now + rnd.uniform(-0.01, 0.1),  # between two milliseconds
                now - rnd.randrange(0, 100) / 1000,  # in the past
            )
        )
        loop = FakeUvloop(now_ms)
        call_at(loop, when, lambda: None)  # type: ignore[arg-type]
        assert loop.armed_ms is not None
        due = max(first_ms_reading(when), now_ms)
        if loop.armed_ms < due:
            early.append((now_ms, when))
        elif loop.armed_ms > due:
            late.append((now_ms, when, loop.armed_ms - due))
    assert not early, f"{len(early)} armed early, e.g. {early[:3]}"
    assert not late, f"{len(late)} armed late, e.g. {late[:3]}"


def test_due_times_past_what_a_millisecond_count_holds_are_armed_as_uvloop_would() -> None:
    """Past uvloop's longest sleep (100 years) it sleeps that long: no arithmetic overflows."""
    for when in (1e12, 1e300, math.inf, 1.7e308):
        loop = FakeUvloop(5_000)
        call_at(loop, when, lambda: None)  # type: ignore[arg-type]
        assert loop.armed_ms is not None and loop.armed_ms > 5_000 + 10**9


class SubclassedUvloop(FakeUvloop):
    """A program's own subclass of uvloop's loop (instrumented, say): its module is not
    uvloop's, its timers are."""


SubclassedUvloop.__module__ = __name__


def test_a_subclass_of_uvloops_loop_has_its_timers_armed_as_uvloops() -> None:
    loop = SubclassedUvloop(1_000)
    call_at(loop, 1.0004, lambda: None)  # type: ignore[arg-type]
    assert loop.armed_ms == 1_001, "armed for the nearest millisecond, before 1.0004"


class TickingUvloop(FakeUvloop):
    """uvloop reads its clock again as it arms a timer (`UVTimer.start`): when the millisecond
    turns between the caller's reading and that one, a delay computed from the first lands a
    millisecond late. `ticks[i]` is how far the clock moves before the i-th arming."""

    def __init__(self, now_ms: int, ticks: list[int]) -> None:
        super().__init__(now_ms)
        self.ticks = ticks
        self.armings: list[Arming] = []

    def call_later(self, delay: float, callback: Callable[[], object]) -> Arming:
        if self.ticks:
            self.now_ms += self.ticks.pop(0)
        arming = super().call_later(delay, callback)
        self.armings.append(arming)
        return arming


def test_a_millisecond_turning_as_uvloop_arms_the_timer_does_not_make_it_late() -> None:
    """Timers armed in a burst for one time fire in the order they were armed (a burst of
    tasks given one deadline expires in the order of submission), so none may come a
    millisecond after the rest."""
    for ticks in ([1], [1, 1], [2, 0], [1, 1, 1, 0]):
        loop = TickingUvloop(1_000, list(ticks))
        handle = call_at(loop, 1.005, lambda: None)  # type: ignore[arg-type]
        assert isinstance(handle, Arming)
        live = [arming for arming in loop.armings if not arming.cancelled()]
        assert live == [handle], f"one timer left armed, the one returned ({ticks})"
        assert handle.ms == 1_005, f"armed for {handle.ms}, not 1005 ({ticks})"


def test_a_timer_that_came_due_while_uvloop_armed_it_runs_at_once() -> None:
    loop = TickingUvloop(1_000, [9])
    handle = call_at(loop, 1.005, lambda: None)  # type: ignore[arg-type]
    assert isinstance(handle, Arming)
    assert handle.ms == 1_009, f"armed for {handle.ms}: its time had come at 1005"
    assert [arming.ms for arming in loop.armings if not arming.cancelled()] == [1_009]


def test_a_clock_that_turns_at_every_arming_ends_the_arming_armed_late_never_early() -> None:
    """An arming that takes a millisecond or more (uvloop in asyncio's debug mode, `-X dev`,
    under tracemalloc: each `call_later` records its stack) sees the millisecond turn every
    time. Armed again until it did not, a timer due in a second was armed a thousand times,
    holding the loop for that second; every ask's deadline did, and the program stood still."""
    loop = TickingUvloop(1_000, [1] * 10_000)
    handle = call_at(loop, 11.0, lambda: None)  # type: ignore[arg-type]
    assert isinstance(handle, Arming)
    assert len(loop.armings) <= 4, f"armed {len(loop.armings)} times for one timer"
    assert [arming for arming in loop.armings if not arming.cancelled()] == [handle]
    assert handle.ms >= 11_000, f"armed for {handle.ms}: before its time, 11000"


def test_the_last_arming_is_for_the_first_millisecond_its_time_is_read() -> None:
    """Three armings saw the millisecond turn, the last did not: it is armed for the first
    millisecond at which the clock reads the timer's time, as the first would have been,
    not at the nearest (1005, before 1.0054 is read)."""
    when = 1.0054
    loop = TickingUvloop(1_000, [1, 1, 1, 0])
    handle = call_at(loop, when, lambda: None)  # type: ignore[arg-type]
    assert isinstance(handle, Arming)
    assert len(loop.armings) == 4
    assert handle.ms == first_ms_reading(when) == 1_006, f"armed for {handle.ms}"


def test_a_deadline_read_once_is_armed_on_uvloop_at_a_millisecond_its_clock_reads() -> None:
    """`timeout_at`, for a stop's force due at the deadline read as the stop began: on uvloop
    it is armed for the first millisecond at or after that deadline, never half a millisecond
    before it, as `timeout` is."""

    async def armed() -> tuple[float, float]:
        when = asyncio.get_running_loop().time() + 0.0104  # between two milliseconds
        async with timeout_at(when) as deadline:
            return when, deadline.when() or 0.0

    loop = uvloop.new_event_loop()
    try:
        when, armed_for = loop.run_until_complete(armed())
    finally:
        loop.close()
    assert armed_for == first_ms_reading(when) / 1000
