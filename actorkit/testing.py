"""Helpers for testing actors without sleeping: a manual clock, a probe actor, and white-box
views of a running system (`snapshot`, `snapshots`, `pending_asks`, `pending_timers`,
`accepting`, `subscription_count`, `transport`, `instance`, `cancel_task`) so tests never
reach into the runtime's private objects."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Never

from ._inspection import (
    FORCED_STOP_GRACE,
    ActorSnapshot,
    accepting,
    actor_tree,
    cancel_task,
    checked_system,
    expect_check,
    instance,
    pending_asks,
    pending_timers,
    snapshot,
    snapshots,
    subscription_count,
    transport,
)
from ._manual_entries import Entries, chain_error, live, running_loop
from ._manual_entries import Entry as _Entry
from ._probe_inbox import (
    Inbox,
    ProbeActor,
    check_empty,
    next_message,
    not_spawned,
    queued,
)
from ._probe_watch import terminated_check, unwatch_from, watch_from
from ._seconds import check_instant, check_seconds
from ._settling import aside, describe, ready_queue, runnable_tasks
from ._shown import shown
from ._store_calls import StoreCalls
from ._turns import LoopTurns, attach_on, check_driven_from_theirs, detach_from, forget_closed

if TYPE_CHECKING:
    from ._messages import Terminated
    from ._ref import ActorRef
    from ._system import ActorSystem

__all__ = [
    "FORCED_STOP_GRACE",
    "SETTLE_LIMIT",
    "STORE_TIMEOUT",
    "ActorSnapshot",
    "ManualClock",
    "Probe",
    "accepting",
    "actor_tree",
    "cancel_task",
    "instance",
    "pending_asks",
    "pending_timers",
    "snapshot",
    "snapshots",
    "subscription_count",
    "transport",
]

SETTLE_LIMIT = 10_000
"""Most loop turns `settle` (and so `advance`) waits for quiet before it raises: a system
busy that long is looping, or doing more at once than a test should (a handler's thousands
of asks in a row, which another `settle` waits on). Each wait for a store call is a turn."""
STORE_TIMEOUT = 10.0
"""`ManualClock`'s default `store_timeout`: seconds of real time `settle` waits for one of
the actors' store calls to end before it raises. A test's store answers in milliseconds;
this is far past that and inside a test's own safety timeout, so a store that hangs fails
the test with the call named, not with the test's timeout."""

DUE_TOLERANCE = 1e-9
"""How far past `ManualClock.advance`'s target, relative to it, a due time still counts as
reached (`math.isclose`'s default): far above float rounding, far below any interval a test
would mean."""
MAX_DUE_SLACK = 1e-6
"""And at most this many seconds, so that a clock started far from 0 does not fire a timer
due a visible time after the target."""


class ManualClock:
    """A clock that moves only when told. Pass it to `ActorSystem(clock=...)`; then
    `await clock.advance(seconds)` fires every timer, backoff, ask timeout and deadline that
    falls due, in order, letting the actors run between steps, so tests never sleep.

    An actor waiting on the system's store (a `persist`, a `save`, its recovery, a reminder
    being stored) is busy, not quiet: the store answers from a thread or a socket, not from a
    task, and time must not pass under the runtime's own work. `store_calls` counts those calls
    in flight; `settle` waits up to `store_timeout` seconds of real time for one to end."""

    resolution: float = 0.0

    def __init__(self, start: float = 0.0, *, store_timeout: float = STORE_TIMEOUT) -> None:
        self._now = check_instant(start, "ManualClock start")
        self._store_timeout = check_seconds(store_timeout, "store_timeout")
        self._heap = Entries()
        self._seq = itertools.count()
        self._advancing = LoopTurns()
        """Held by the `advance` under way on each loop: one made meanwhile waits for it, then
        moves on."""
        self._idle: list[Callable[[], bool]] = []
        self._loops: list[asyncio.AbstractEventLoop] = []  # each attached system's
        self._chain = 0  # `Entry.chain` of the entry fired last, while time stands at it
        self.store_calls: StoreCalls = StoreCalls()
        """The store calls of the actors of the systems on this clock, in flight."""

    def now(self) -> float:
        return self._now

    def call_at(self, when: float, callback: Callable[[], object]) -> _Entry:
        chain = self._chain + 1 if when <= self._now else 0
        entry = _Entry(callback, chain=chain, loop=running_loop())
        self._heap.push(when, next(self._seq), entry)
        return entry

    def attach(self, loop: asyncio.AbstractEventLoop, idle: Callable[[], bool]) -> None:
        attach_on(self._loops, self._idle, loop, idle)  # one running loop at a time

    def detach(self, idle: Callable[[], bool]) -> None:
        detach_from(self._loops, self._idle, idle)

    @property
    def pending(self) -> int:
        """Timers still due to fire; the ask deadlines' one timer only while an ask waits on
        it (answered asks leave it armed: cancelling it per answer would cost every ask), the
        timer queue's only while a timer is due (a cancelled one leaves it armed)."""
        return sum(1 for _, _, entry in self._heap if live(entry))

    def next_due(self) -> float | None:
        """When the first timer `pending` counts is due, or None."""
        for when, _, entry in sorted(self._heap):
            if live(entry):
                return when
        return None

    async def advance(self, seconds: float) -> None:
        """Move time forward by `seconds`, firing what falls due in time order. Raises
        `RuntimeError` at a chain of `SETTLE_LIMIT` timers, each armed at no delay once the one
        before it fired: a timer restarted so each time it fires would hold time forever. Any
        number of timers armed earlier for one instant fire there (`Entry.chain`).

        What is due within `DUE_TOLERANCE` (relative) past the target fires too, and the
        clock then reads its time: float sums miss by an ulp or two, and `schedule_every(0.1)`
        due at 0.1 + 2 * 0.1 = 0.30000000000000004 must tick in `advance(0.3)`.

        Advances made at once (a helper task driving time while the test advances too) take
        turns: each starts from where the one before it ended, so time moves by their sum."""
        seconds = check_seconds(seconds, "advance()", zero_ok=True)
        async with self._advancing.turn():
            await self._advance(seconds)

    async def _advance(self, seconds: float) -> None:
        target = self._now + seconds
        due_by = target + min(abs(target) * DUE_TOLERANCE, MAX_DUE_SLACK)
        await self._settle()  # the advance is work: a settle made meanwhile waits for it
        heap = self._heap
        try:
            while heap and heap[0][0] <= due_by:
                when, seq, entry = heap.take()
                if entry.cancelled or entry.orphaned:
                    continue
                if (chain := entry.chain) >= SETTLE_LIMIT:
                    entry.chain = 0  # still due, the clock whole: the next advance counts anew
                    heap.push(when, seq, entry)
                    raise chain_error(chain, self._now)
                self._now, self._chain = max(self._now, when), entry.chain
                entry.callback()
                await self._settle()
        finally:
            self._chain = 0
        self._now = max(self._now, target)  # settled already: moving the reading wakes nothing

    async def settle(self) -> None:
        """Yield until the attached systems are quiet for three loop turns in a row: no store
        call of theirs in flight, and every actor parked or no task able to run (a handler
        waiting for the test to release it is quiet: only the test or the clock can wake it).
        Raises `RuntimeError` after `SETTLE_LIMIT` turns without quiet, rather than let a test
        go on from a state it did not wait for, and `TimeoutError` naming the store calls in
        flight when none of them ended within `store_timeout` seconds. `RuntimeError` at once
        from a loop other than the running one its systems are on (another thread's)."""
        with aside():  # waiting for the others, it is no work another settle waits for
            await self._settle()

    async def _settle(self) -> None:
        if forget_closed(self._loops, self._idle):
            self._heap.drop_orphans()
        check_driven_from_theirs(self._loops)  # else their timers fire on this thread
        quiet, calls = 0, self.store_calls
        ready = ready_queue(asyncio.get_running_loop())
        for _ in range(SETTLE_LIMIT):
            await asyncio.sleep(0)
            if calls:
                quiet = 0
                await calls.one_ends(self._store_timeout)
            elif (
                (ready is not None and not ready)
                or all(idle() for idle in self._idle)
                or not runnable_tasks()
            ):
                quiet += 1
                if quiet >= 3:
                    return
            else:
                quiet = 0
        raise RuntimeError(
            f"ManualClock did not settle after {SETTLE_LIMIT} loop turns: something keeps "
            "running without waiting (a handler that re-tells itself forever, a loop of "
            "`asyncio.sleep(0)`, a handler that persists forever), or does more at once than "
            "that many turns hold (thousands of asks in a row in one handler: settle() again "
            "waits on from here); still runnable: "
            f"{describe(runnable_tasks())}; store calls in flight: {calls.describe()}"
        )


class Probe:
    """A test actor that records what it receives, in the spirit of Akka's TestKit probe.

    Hand `probe.ref` to the actors under test, then `await probe.expect(...)`. The `timeout`
    arguments are safety nets against hangs, never a way of waiting for time to pass.

    `probe.reply` is an attribute, not a method: the value every ask to the probe answers
    with (None until set), so that an actor under test that asks gets an answer. Set it
    before the ask arrives: `probe.reply = 42`.
    """

    def __init__(self, *given: Never, **named: Never) -> None:
        if given or named:  # as Akka's `TestProbe(system)`: say how it is made here
            raise not_spawned()
        self._inbox = Inbox()
        self.reply: Any = None
        self._ref: ActorRef | None = None

    @classmethod
    async def spawn(cls, system: ActorSystem, name: str | None = None) -> Probe:
        probe = cls()
        probe._ref = await checked_system(system, "Probe.spawn").spawn(
            ProbeActor, probe, probe._inbox, name=name, mailbox_size=None
        )
        return probe

    @property
    def ref(self) -> ActorRef:
        if self._ref is None:
            raise RuntimeError(
                "this probe has no actor: create probes with `await Probe.spawn(system)`"
            )
        return self._ref

    async def receive(self, timeout: float = 5.0) -> Any:
        """The next message, in arrival order; TimeoutError if none comes within `timeout`
        seconds (of real time: the probe waits for the actors, not for a clock), at once
        once its actor has stopped and every message it took in was received."""
        return await self._receive(timeout, "", "receive")

    async def _receive(self, timeout: float, expected: str, call: str) -> Any:
        seconds = check_seconds(timeout, "timeout")  # before `ref`: a probe with no actor
        return await next_message(self._inbox, self.ref, seconds, expected, call, ManualClock)

    async def expect(self, expected: Callable[[Any], object] | object, timeout: float = 5.0) -> Any:
        """The next message, which must equal `expected`, be an instance of it (a type, or a
        union such as `int | None`) or satisfy it (a predicate). The predicate's `Callable`
        in the hint types a lambda's parameter for the checkers; `object` takes the rest.
        A check that raises on the message fails the same way, naming the message."""
        check = expect_check(expected)  # a `TypeError` before any message is taken
        message = await self._receive(timeout, shown(expected), "expect")
        check(message)
        return message

    def watch(self, ref: ActorRef) -> None:
        """As Akka's `TestProbe.watch`: `Terminated(ref, reason)` comes among the probe's
        messages once `ref` stops for good, at once if it has, as `Actor.watch` gives it."""
        watch_from(self.ref, ref)

    def unwatch(self, ref: ActorRef) -> None:
        """No `Terminated` of `ref` is received after this, not even one that came already."""
        unwatch_from(self.ref, ref, self._inbox)

    async def expect_terminated(self, ref: ActorRef, timeout: float = 5.0) -> Terminated:
        """The next message, which must be the `Terminated` of `ref`; fails as `expect` does."""
        check, expected = terminated_check(self.ref, ref)
        return check(await self._receive(timeout, expected, "expect_terminated"))

    def expect_empty(self) -> None:
        """Nothing was told to the probe that was not yet received, whether its actor took
        it in or it still waits in the probe's mailbox (a tell returns before the actor runs)."""
        check_empty(self._inbox, queued(self._ref))

    @property
    def pending(self) -> int:
        """Messages told to the probe and not yet received, in its mailbox included. None is
        ever in hand between two steps of a test: the probe actor's `receive` never awaits."""
        return self._inbox.qsize() + len(queued(self._ref))
