"""What a task is to its agent (`Task`) and to its submitter (`TaskHandle`, and its `cancel`).

The handle is also the task layer's own record of the task, so a submit allocates one object
that lives as long as anybody cares about the task, plus one frozen `Task` per attempt.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Generator
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any

from .._protocols import KeptWhole
from .._system_checks import wrong_loop
from ._failures import UNBUILT_CANCELLED, Unbuilt, ran

if TYPE_CHECKING:
    from .._clock import Cancellable
    from ._agents import Agent
    from ._layer import TaskLayer


class TaskStatus(enum.StrEnum):
    """A str enum, so `handle.status == "pending"` reads naturally and serializes as text."""

    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


PENDING = TaskStatus.PENDING
RUNNING = TaskStatus.RUNNING
SUCCEEDED = TaskStatus.SUCCEEDED
FAILED = TaskStatus.FAILED
EXPIRED = TaskStatus.EXPIRED
CANCELLED = TaskStatus.CANCELLED


@dataclass(frozen=True, slots=True)
class Task:
    """What an agent's `receive` gets. A new record per attempt, since `attempt` differs and
    agents must not be able to change what a retry will see."""

    id: int
    payload: Any
    priority: int
    deadline: float | None
    """Absolute time on the system clock, or None; only informative once the task runs."""
    requires: frozenset[str]
    attempt: int


class TaskDraft:
    """A `Task` being filled in, for the dispatch path (`_handover.start`): it has the
    same slots, so once filled it becomes the frozen `Task` by `__class__` assignment. The
    frozen dataclass's `__init__` sets each field through `object.__setattr__`, and calling
    each slot's `__set__` costs nearly as much: plain stores and the one assignment take a
    third of that (the largest single saving of dispatch). The record is a `Task` either way."""

    __slots__ = Task.__slots__


class TaskHandle(KeptWhole):
    """The submitter's view of a task: `await handle`, `status`, `cancel()`, timestamps.

    Awaiting never cancels the task: a caller that gives up (an `asyncio.timeout` around
    `await handle`) only stops waiting; use `cancel()` to withdraw the task itself.
    """

    __slots__ = (
        "_agent",
        "_attempt",
        "_deadline",
        "_error",
        "_finished_at",
        "_id",
        "_layer",
        "_payload",
        "_priority",
        "_requires",
        "_result",
        "_retries",
        "_retries_left",
        "_started_at",
        "_status",
        "_submitted_at",
        "_timer",
        "_traceback",
        "_waiters",
    )

    def __init__(
        self,
        layer: TaskLayer,
        task_id: int,
        payload: Any,
        priority: int,
        deadline: float | None,
        requires: frozenset[str],
        retries: int,
        now: float,
    ) -> None:
        self._layer = layer
        self._id = task_id
        self._payload = payload
        self._priority = priority
        self._deadline = deadline
        self._requires = requires
        self._retries = retries
        self._retries_left = retries
        self._attempt = 1
        self._status = PENDING
        self._submitted_at = now
        self._started_at: float | None = None
        self._finished_at: float | None = None
        self._result: Any = None
        # The failure it finished with (`Unbuilt` until first read, for some); while a retry
        # waits, the last attempt's failure, its cause should it expire or the system shut
        # down before the retry runs.
        self._error: BaseException | Unbuilt | None = None
        # The failure's traceback when the task finished: each await raises the failure with
        # it, as `asyncio.Future` does, or every raise would append the awaiting caller's
        # frames to the one exception object (kept alive with it, and growing per await).
        self._traceback: TracebackType | None = None
        self._agent: Agent | None = None
        self._timer: Cancellable | None = None
        # One future per waiting caller, created only when someone waits on an unfinished
        # task: a caller that is cancelled then cancels its own future, never the task.
        self._waiters: list[asyncio.Future[None]] | None = None

    @property
    def id(self) -> int:
        return self._id

    @property
    def status(self) -> TaskStatus:
        return self._status

    @property
    def attempt(self) -> int:
        """The attempt running now or last made (1 before the first dispatch): a retry
        counts once it is dispatched, so an expired retry does not count."""
        return self._attempt

    @property
    def submitted_at(self) -> float:
        return self._submitted_at

    @property
    def started_at(self) -> float | None:
        """When the latest attempt was dispatched to an agent (system clock), or None."""
        return self._started_at

    @property
    def finished_at(self) -> float | None:
        return self._finished_at

    def cancel(self) -> bool:
        """Withdraw the task; False if it had already finished. A running agent is not
        interrupted: its outcome is discarded.

        Cancelling a pending task is the common case, and often comes in bulk (a batch given
        up, a user's work withdrawn): its path builds no `TaskCancelled` (the handle builds it
        for its first reader, as asyncio builds a cancelled future's `CancelledError`) and
        leaves the index an entry it drops in O(1); the rest is what any end of a task does
        (`TaskLayer._finish`). Written here, not in the layer: a call per cancel less."""
        status = self._status
        layer = self._layer
        if status is PENDING:
            layer._pending.remove(self)
            layer._finish(self, CANCELLED, layer._runtime.clock.now(), None, UNBUILT_CANCELLED)
            return True
        if status is not RUNNING:
            return False
        agent: Agent = self._agent  # type: ignore[assignment]  # running: dispatched to it
        now = layer._runtime.clock.now()
        failure = agent.unreported
        if failure is not None and ran(failure) and not self._retries_left:
            # Its last attempt failed before this cancel: the first outcome stands, and
            # its report, due next, is discarded as a cancelled task's would be.
            layer._finish(self, FAILED, now, None, failure)
            return False
        layer._finish(self, CANCELLED, now, None, UNBUILT_CANCELLED)
        # Not yet picked up: take it back, so the agent never sees it and is free (maybe
        # with the next task) before the awaiters, woken on the next loop turn, look.
        layer._withdraw(agent)
        return True

    async def result(self) -> Any:
        """The agent's return value, or the task's failure raised.

        The waiter is a future of the system's loop, which wakes it: awaited on a loop in
        another thread, asyncio refuses it at once (a `RuntimeError`, the one a future of
        another loop gets), where one of that loop would be woken from the wrong thread, which
        wakes nobody, and hang. Refused so, it says how to hand the await to the right loop."""
        if self._finished_at is None:
            runtime = self._layer._runtime
            waiter: asyncio.Future[None] = runtime.loop.create_future()
            if self._waiters is None:
                self._waiters = []
            self._waiters.append(waiter)
            try:
                await waiter
            except RuntimeError:  # only a future of another loop raises that here
                raise wrong_loop(runtime, "result", on="handle") from None
            finally:
                self._waiters.remove(waiter)
        if self._error is not None:
            raise self._failure()
        return self._result

    def __await__(self) -> Generator[Any, None, Any]:
        if self._finished_at is None:
            return _waiting(self)
        # Finished: answer without making a `result()` coroutine (a burst of awaits on
        # finished tasks is the common end of a batch), and a failure without even a
        # generator: raised here, it is raised by the `await`.
        error = self._error
        if error is not None:
            if type(error) is Unbuilt:
                error = self._error = error.build(self)
            raise error.with_traceback(self._traceback)
        return _ready(self._result)

    def _failure(self) -> BaseException:
        """The failure to raise, built now if it was left for its first reader: the same
        object at every read."""
        error = self._error
        if type(error) is Unbuilt:
            error = self._error = error.build(self)
        assert error is not None, "only a failed task has a failure"
        return error.with_traceback(self._traceback)

    def _drop_deadline(self) -> None:
        """The deadline only guards the start: once started or finished, its timer goes.
        Called only with a timer set: both callers test that first, inline, per task."""
        timer = self._timer
        assert timer is not None
        timer.cancel()
        self._timer = None

    def __repr__(self) -> str:
        return f"<TaskHandle {self._id} {self._status.value} attempt={self._attempt}>"


def _waiting(handle: TaskHandle) -> Generator[Any, None, Any]:
    """What `await` of a pending task iterates: a generator, which makes the `result()`
    coroutine only once iterated, so that an iterator taken and dropped leaves no coroutine
    that was never awaited."""
    return (yield from handle.result().__await__())


def _ready(result: Any) -> Generator[Any, None, Any]:
    """What `await` of a finished task iterates: nothing, then its result. It returns before
    its `yield`, which only makes it a generator: `yield from ()` made an iterator per await."""
    return result
    yield  # type: ignore[unreachable]  # never reached: makes this a generator
