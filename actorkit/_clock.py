"""Time for the runtime: one `Clock` that every timer, backoff, ask timeout and deadline uses.

Routing all waiting through one object is what lets `actorkit.testing.ManualClock` drive a whole
system in tests without sleeping, and what keeps the hot path free of a loop timer per ask."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from heapq import heapify, heappop, heappush
from itertools import chain
from typing import TYPE_CHECKING, Any, Protocol

from ._errors import ActorStopped, AskTimeout
from ._handler_failures import why_unanswered
from ._loop_timer import call_at, never_early
from ._manual_entries import Lapsing

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ._cell import Cell
    from ._envelope import Ask


class Cancellable(Protocol):
    def cancel(self) -> None: ...


class Clock(Protocol):
    """What the runtime needs from time. `resolution` is how late a timeout may fire: ask
    deadlines are grouped into buckets that wide so one loop timer serves many asks. `now`
    never goes back (a monotonic clock): a timer queue's order, and a cancelled timer's
    entry taken up in place by the next one due no earlier, hold only on such a clock."""

    resolution: float

    def now(self) -> float: ...

    def call_at(self, when: float, callback: Callable[[], object]) -> Cancellable: ...

    def attach(self, loop: asyncio.AbstractEventLoop, idle: Callable[[], bool]) -> None: ...

    def detach(self, idle: Callable[[], bool]) -> None: ...


class SystemClock:
    """The event loop's own monotonic time; the default clock of an `ActorSystem`."""

    resolution = 0.005

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self.never_early = False
        """Whether its loop's timers never run before their time (see `call_when_due`)."""

    def attach(self, loop: asyncio.AbstractEventLoop, idle: Callable[[], bool]) -> None:
        self._loop = loop
        self.never_early = never_early(loop)
        # Every ask reads the clock: make `now` the loop's own (C) method, not a wrapper.
        self.now = loop.time  # type: ignore[method-assign]

    def detach(self, idle: Callable[[], bool]) -> None:
        """Nothing to release: the loop outlives the system."""

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        return self._loop

    def now(self) -> float:
        return self._running_loop().time()

    def wall_time(self) -> float:
        """Seconds since the epoch, for durable reminders: it steps apart from `now` when the
        host's time is set or a suspended machine resumes (a clock without it counts both)."""
        return time.time()

    def call_at(self, when: float, callback: Callable[[], object]) -> Cancellable:
        return call_at(self._running_loop(), when, callback)


LOCAL_ADVICE = "raise the ask's timeout or make the handler faster"
"""What an `AskTimeout` suggests, after the target and the timeout it names, when its
deadlines know no actors to look at (`why_unanswered` says what a local target was doing)."""

SWEEP_MIN = 64
"""Deadline groups kept before empty ones are first dropped (and their timers cancelled)."""


class AskDeadlines:
    """Ask timeouts without a clock read or a loop timer per ask.

    An ask files itself in the *open* bucket of its timeout: one dict lookup and an insert
    on the hot path (`ActorRef.ask` writes it out), a removal once answered. A bucket is a
    dict, not a set, so asks time out in the order they were made, run after run: a seed of
    the chaos suite must replay exactly, and what an expiry wakes (an asker, the dead letter
    of an ask that waited for room) follows that order. Every half
    `clock.resolution` a rotation reads the clock once and files each open bucket that still
    holds asks under the deadline `now + timeout`, rounded up to a half resolution, in a
    group. Every ask in a bucket was made before its rotation, so none times out early;
    waiting up to half a resolution for the rotation and up to half for the rounding, none
    times out more than one resolution late (unless the event loop was blocked past the
    rotation). A `call_later` + `cancel` per ask keeps 83% of a raw ask's rate and
    `asyncio.wait_for` 56%.

    One clock timer serves all the groups: it is set for the earliest, and when it fires it
    times out what is due, drops the groups at the front whose asks were all answered (a
    filed bucket only ever loses asks) and is set again for the first one left. Sequential
    asks, answered within microseconds, therefore leave no timer behind at all, and the loop
    work that asks cost comes to one rotation per half resolution while asks are in flight:
    a rotation that files a bucket opens the next one for that timeout and sets the next
    rotation itself, so the asks that follow find both in place; a rotation that files
    nothing stops, and the next ask starts them again. Each of these is a spike of tens of
    microseconds on a cold cache, and an ask that meets one pays for it: the fewer of them,
    the better the tail.

    A clock with resolution 0 (`ManualClock`) files each ask at its exact deadline: tests
    see timeouts fire at the instant they name; asks with the same deadline share a bucket.
    Empty groups behind the front are dropped once their number has doubled since the last
    sweep, so long timeouts (an hour, a day) do not keep a group per answered ask until
    their deadline.
    """

    __slots__ = (
        "_clock",
        "_due",
        "_expiry",
        "_expiry_at",
        "_groups",
        "_live",
        "_on_due",
        "_rotation",
        "_sweep_at",
        "advice",
        "open",
    )

    def __init__(
        self, clock: Clock, advice: str = LOCAL_ADVICE, live: Mapping[str, Cell] | None = None
    ) -> None:
        self._clock = clock
        self.advice: str = advice
        """What a timeout's message suggests: an ask to another process (the transport's
        deadlines) has more likely causes than a slow handler."""
        self._live = live
        """The live actors by path, whose state a local ask's timeout says instead."""
        self.open: dict[float, dict[Ask, None]] = {}
        """The buckets filling since the last rotation, by timeout."""
        self._groups: dict[float, list[dict[Ask, None]]] = {}
        self._due: list[float] = []
        """The groups' deadlines, a heap."""
        self._expiry: Cancellable | None = None
        self._expiry_at = 0.0
        self._on_due = Expiry(self)
        self._rotation: Cancellable | None = None
        self._sweep_at = SWEEP_MIN

    def bucket_for(self, timeout: float) -> dict[Ask, None]:
        """The bucket an ask with `timeout` made now goes in; the hot path looks in `open`
        first and calls this only when it holds none for `timeout`."""
        bucket = self.open.get(timeout)
        if bucket is not None:
            return bucket
        clock = self._clock
        if not clock.resolution:
            return self._exact(clock.now() + timeout)
        bucket = self.open[timeout] = {}
        if self._rotation is None:
            self._rotation = clock.call_at(clock.now() + clock.resolution / 2, self._rotate)
        return bucket

    def _exact(self, deadline: float) -> dict[Ask, None]:
        """The bucket for `deadline` on a clock without resolution: the asks made with time
        standing still (a test's, between two advances) share one, in the order they came,
        where each had its own, kept empty in its group until the deadline."""
        group = self._groups.get(deadline)
        if group:
            return group[-1]
        bucket: dict[Ask, None] = {}
        self._file(bucket, deadline)
        return bucket

    def _rotate(self) -> None:
        clock = self._clock
        now = clock.now()
        buckets = self.open
        for timeout, bucket in list(buckets.items()):
            if bucket:
                self._file(bucket, now + timeout)
                buckets[timeout] = {}
            else:
                del buckets[timeout]
        self._rotation = None
        if buckets:
            self._rotation = clock.call_at(now + clock.resolution / 2, self._rotate)

    def _file(self, bucket: dict[Ask, None], deadline: float) -> None:
        width = self._clock.resolution / 2
        key = -(-deadline // width) * width if width else deadline
        group = self._groups.get(key)
        if group is None:
            if len(self._groups) >= self._sweep_at:
                self._sweep()
            group = self._groups[key] = []
            heappush(self._due, key)
            if self._expiry is None or key < self._expiry_at:
                self._arm(key)
        group.append(bucket)

    def _arm(self, key: float) -> None:
        if self._expiry is not None:
            self._expiry.cancel()
        self._expiry_at = key
        self._expiry = self._clock.call_at(key, self._on_due)

    def expire(self) -> None:
        self._expiry = None
        now = self._clock.now()
        due, groups = self._due, self._groups
        while due and due[0] <= now:
            for bucket in groups.pop(heappop(due)):
                _time_out(bucket, self.advice, self._live)
        while due and not any(groups[due[0]]):
            del groups[heappop(due)]
        if due:
            self._arm(due[0])

    def _sweep(self) -> None:
        """Drop the empty groups; the timer stays set for the earliest deadline, which a sweep
        can only move later (it finds nothing due then, and is set again)."""
        groups = self._groups
        for key in [key for key, group in groups.items() if not any(group)]:
            del groups[key]
        self._due = list(groups)
        heapify(self._due)
        self._sweep_at = max(SWEEP_MIN, 2 * len(groups))

    def filed(self) -> bool:
        """Whether an ask filed in a group still waits: what the clock timer is armed for."""
        return any(any(group) for group in self._groups.values())

    def pending(self) -> int:
        """Asks still waiting for a reply or their deadline."""
        return sum(map(len, self._buckets()))

    def asks(self) -> Iterator[Ask]:
        """Every ask still waiting for a reply or its deadline, in no particular order."""
        return chain.from_iterable(self._buckets())

    def _buckets(self) -> Iterator[dict[Ask, None]]:
        yield from chain.from_iterable(self._groups.values())
        yield from self.open.values()

    def close(self, why: str) -> None:
        """Stop the loop timers: a shut-down system must leave nothing scheduled behind. An
        ask still waiting fails with `ActorStopped(why)`: its deadline has not come, so an
        `AskTimeout` now would be early, and wrong about the cause."""
        for timer in (self._rotation, self._expiry):
            if timer is not None:
                timer.cancel()
        self._rotation = self._expiry = None
        for ask in list(self.asks()):
            if not ask.future.done():
                ask.future.set_exception(ActorStopped(f"{why}; {ask.target} did not answer"))
        self._groups.clear()
        self._due.clear()
        self.open.clear()


class Expiry(Lapsing):
    """The deadlines' one clock callback. An answered ask leaves its bucket and never touches
    the timer (a cancel per answer would cost every ask), so the timer may stay armed with
    no ask left to time out: `lapsed` says so, for a clock that reports what is scheduled
    (`ManualClock.pending`, `next_due`), where that timer is no pending work. It still fires
    at its time, and times nothing out."""

    __slots__ = ("_deadlines",)

    def __init__(self, deadlines: AskDeadlines) -> None:
        self._deadlines = deadlines

    def __call__(self) -> None:
        self._deadlines.expire()

    def lapsed(self) -> bool:
        return not self._deadlines.filed()


def _time_out(bucket: dict[Ask, None], advice: str, live: Mapping[str, Cell] | None) -> None:
    known: dict[str, str] = {}  # what each target was doing: it holds still in this loop
    lines: dict[str, frozenset[Any]] = {}  # and which asks wait for room there
    for ask in bucket:  # a future's callbacks run later: nothing leaves the bucket meanwhile
        future = ask.future
        if not future.done():
            why = advice if live is None else why_unanswered(ask, live, known, lines)
            future.set_exception(
                AskTimeout(f"no reply from {ask.target} within {ask.timeout}s; {why}")
            )
