"""How a task fails, in words: the errors a task finishes with (each says what to change or
what happened), and how an attempt's error is told apart from a delivery that never happened.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, final

from .._errors import (
    ActorStopped,
    DeadlineExceeded,
    NotDelivered,
    TaskCancelled,
    not_running,
    system_stopped,
)

if TYPE_CHECKING:
    from .._runtime import Runtime
    from ._handle import TaskHandle


def refused(runtime: Runtime) -> Exception:
    """Why `submit` is refused by a system that is not accepting work. Once started, that
    means it is stopping, whether `shutting_down` is set yet or not: a failure past the root
    stops accepting at once and begins the shutdown a loop turn later."""
    return not_running(runtime.name, "submit", started=runtime.root is not None)


def expired(handle: TaskHandle, now: float) -> DeadlineExceeded:
    """In seconds since the submit, as the deadline was given: a reading of the system clock
    (monotonic, from an arbitrary origin) would mean nothing to the reader. Its cause is the
    last failed attempt, if a retry was waiting: that task did start, so the words say it
    could not be retried, as a shutdown's do."""
    assert handle._deadline is not None, "only a task with a deadline expires"
    submitted = handle._submitted_at
    try:  # the tasks of a burst expire together: their words are few, and kept
        words = WORDS[handle._requires]
    except KeyError:
        words = _words(handle._requires)
    cause = handle._error  # a retry's last failure, never `Unbuilt` while pending
    assert type(cause) is not Unbuilt, "a pending task has no unbuilt error"
    error = DeadlineExceeded(
        f"task {handle._id} "
        f"{'was not started' if cause is None else 'could not be retried'} before its deadline: "
        f"it had {_seconds(handle._deadline - submitted)} s from submission and waited "
        f"{_seconds(now - submitted)} s; give it a later deadline or more agents with {words}"
    )
    error.__cause__ = cause
    return error


SECONDS: dict[int, str] = {}
"""Seconds written to the millisecond, by milliseconds: formatting a float costs more than
all the rest of an expiry."""
WORDS: dict[frozenset[str], str] = {}
"""The agents a task needed, in words, by its requirement set."""
KEPT = 1024
"""Entries either cache keeps before it starts afresh."""


def _seconds(seconds: float) -> str:
    scaled = seconds * 1000
    ms = round(scaled)
    if abs(scaled - ms) > 0.4999:
        # Near a half: the product may have rounded across it (4.9965 s, a little over, is
        # 4996.5 scaled, then rounded to even); `round(seconds, 3)` rounds the exact value.
        ms = round(round(seconds, 3) * 1000)
    if not ms and seconds > 0:  # "it had 0 s" would say it had no time at all
        return f"{seconds:.3g}"
    try:
        return SECONDS[ms]
    except KeyError:
        if len(SECONDS) >= KEPT:
            SECONDS.clear()
        words = SECONDS[ms] = f"{ms / 1000:g}"
        return words


def _words(requires: frozenset[str]) -> str:
    if len(WORDS) >= KEPT:
        WORDS.clear()
    words = WORDS[requires] = str(sorted(requires) or "any capability")
    return words


@final
class Unbuilt:
    """An error a task finished with that is built when its handle is first read (`await`,
    `result()`), as asyncio builds a cancelled future's `CancelledError`: a bulk cancel, or a
    shutdown with thousands of tasks pending, would otherwise build an exception per task,
    the most of its cost and a load on the garbage collector, for handles nobody reads.
    Only for errors whose words and cause the handle alone says."""

    __slots__ = ("build",)

    def __init__(self, build: Callable[[TaskHandle], BaseException]) -> None:
        self.build = build


def cancelled(handle: TaskHandle) -> TaskCancelled:
    return TaskCancelled(f"task {handle._id} was cancelled")


def not_retried(handle: TaskHandle, cause: BaseException | None) -> ActorStopped:
    stopped = ActorStopped(
        f"task {handle._id} could not be retried: the {system_stopped(handle._layer._runtime.name)}"
    )
    stopped.__cause__ = cause
    return stopped


def never_started(handle: TaskHandle) -> ActorStopped:
    return ActorStopped(
        f"task {handle._id} never started: the {system_stopped(handle._layer._runtime.name)}"
    )


UNBUILT_CANCELLED = Unbuilt(cancelled)
UNBUILT_NEVER_STARTED = Unbuilt(never_started)


def shut_out(handle: TaskHandle) -> ActorStopped | Unbuilt:
    """Why a task that will not run fails at shutdown. Only a failed attempt calls for a retry:
    a task whose attempts were only taken back (or never made) never started."""
    error = handle._error  # a retry's last failure, never `Unbuilt` while pending
    assert type(error) is not Unbuilt, "a pending task has no unbuilt error"
    return UNBUILT_NEVER_STARTED if error is None else not_retried(handle, error)


WITHDRAWN: BaseException = asyncio.CancelledError("task taken back")
"""The outcome of an attempt taken back out of the mailbox before the agent began it."""


def ran(error: BaseException) -> bool:
    """Whether a failed attempt counts as one (retried or final): a task taken back
    (`WITHDRAWN`), or still queued when its agent stopped (the `NotDelivered` the cell sets on
    its envelope), goes back to the queue for free. One raised inside the agent's own
    `receive` (an ask of its own that was not delivered) is a real failure of the attempt:
    having been raised, it has a traceback, which is asked first, as every handler's failure
    has one."""
    return error.__traceback__ is not None or (
        error is not WITHDRAWN and not isinstance(error, NotDelivered)
    )
