"""The task layer: `submit`, assignment of tasks to idle capable agents, retries, deadlines.

It hooks into the runtime only as an instrument (spawned, stopped, failed, restarted,
resumed), so the core carries no task code. A task reaches its agent as an ordinary `Ask`
envelope appended to the agent's mailbox, so the cell's guarantees apply unchanged: the
return value or exception of `receive` resolves the envelope's future, an envelope still
queued when the agent stops fails with `NotDelivered` (the task never ran: requeue it for
free), and one being handled when the agent is force-stopped fails with `ActorStopped`.

Assignment never scans all agents or all tasks. Idle agents are grouped by capability set
and pending tasks by requirement set (`PendingTasks`); both kinds of set are few. The
invariant that makes this enough: no pending task can be served by an idle agent, because a
task only waits when no capable agent is idle, and an agent only idles when no pending task
fits it.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from ._agents import BUSY, Agent, AgentInfo
from ._envelope import TAKEN_BACK, Ask
from ._errors import ActorStopped, DeadlineExceeded, NotDelivered, TaskCancelled
from ._instruments import Instrument
from ._stats import Histogram
from ._task_checks import check_deadline, check_int, check_requires
from ._task_handle import (
    CANCELLED,
    EXPIRED,
    FAILED,
    PENDING,
    RUNNING,
    SUCCEEDED,
    Task,
    TaskHandle,
    TaskStatus,
)
from ._task_index import PendingTasks
from ._task_metrics import TASK_BUCKETS, collect

if TYPE_CHECKING:
    import asyncio

    from ._cell import Cell
    from ._system import ActorSystem

__all__ = ["Task", "TaskHandle", "TaskLayer", "TaskStats", "TaskStatus"]


class TaskStats:
    """`system.tasks`: live counts, read when asked (nothing is computed per task)."""

    __slots__ = ("_layer",)

    def __init__(self, layer: TaskLayer) -> None:
        self._layer = layer

    @property
    def pending(self) -> int:
        return self._layer.counts[PENDING]

    @property
    def running(self) -> int:
        return self._layer.counts[RUNNING]

    @property
    def by_status(self) -> dict[str, int]:
        """Current pending and running counts, and totals of each way of finishing."""
        return {status.value: count for status, count in self._layer.counts.items()}

    @property
    def unservable(self) -> int:
        """Pending tasks that no live agent (restarting ones included) could serve; they wait
        for an agent with the missing capabilities, or their deadline."""
        return self._layer.unservable()

    def __repr__(self) -> str:
        counts = ", ".join(f"{status}={count}" for status, count in self.by_status.items())
        return f"<TaskStats {counts}>"


class TaskLayer(Instrument):
    """One per system. An instrument, to follow agents' lifecycles."""

    def __init__(self, system: ActorSystem) -> None:
        self._system = system
        self._pending: PendingTasks[TaskHandle] = PendingTasks()
        self._agents: dict[Cell, Agent] = {}
        # Idle agents per capability set, longest idle first. An entry may have stopped being
        # ready since (a failure, a restart): `_take_idle` drops those when it meets them.
        self._idle: dict[frozenset[str], dict[Agent, None]] = {}
        self._idle_entries = 0  # across all sets: lets a burst of submits skip the search
        # Live agents per capability set; a set leaves when its last agent stops.
        self._agent_sets: dict[frozenset[str], int] = {}
        # Per requirement set, the capability sets that can serve it, smallest first, so a
        # task goes to the least capable idle agent that fits and specialists stay free.
        self._fits: dict[frozenset[str], list[frozenset[str]]] = {}
        self._next_id = 0
        self._closed = False
        self.counts: dict[TaskStatus, int] = dict.fromkeys(TaskStatus, 0)
        self.stats = TaskStats(self)
        self.durations: Histogram | None = None
        if system.metrics.enabled:
            self.durations = Histogram(TASK_BUCKETS)
            system.metrics.add_source(functools.partial(collect, self))
        system.instruments.add(self)

    # --- submitting ------------------------------------------------------------------------
    def submit(
        self, payload: Any, priority: int, deadline: float | None, requires: object, retries: int
    ) -> TaskHandle:
        priority = check_int("priority", priority)
        retries = check_int("retries", retries)
        if retries < 0:
            raise ValueError(f"retries must be >= 0 (0 means one attempt only), got {retries}")
        deadline = check_deadline(deadline)
        needed = check_requires(requires)
        system = self._system
        if not system.accepting:
            if not system.shutting_down:
                raise RuntimeError(
                    f"actor system {system.name!r} is not started; "
                    "submit inside `async with ActorSystem()`"
                )
            raise ActorStopped(
                f"actor system {system.name!r} is shutting down; tasks can no longer be submitted"
            )
        now = system.clock.now()
        self._next_id += 1
        handle = TaskHandle(
            self,
            self._next_id,
            payload,
            priority,
            None if deadline is None else now + deadline,
            needed,
            retries,
            now,
        )
        self.counts[PENDING] += 1
        self._place(handle, now)
        return handle

    def _place(self, handle: TaskHandle, now: float) -> None:
        """Start a pending task on an idle capable agent, or queue it until one is free."""
        agent = self._take_idle(handle._requires)
        if agent is not None:
            self._start(handle, agent, now)
            return
        # The id doubles as the order of submission, so a requeued task keeps its place.
        self._pending.push(handle, handle._requires, handle._priority, handle._id)
        if handle._deadline is not None:
            handle._timer = self._system.clock.call_at(
                handle._deadline, functools.partial(self._expire, handle)
            )

    def _take_idle(self, requires: frozenset[str]) -> Agent | None:
        if not self._idle_entries:
            return None
        fits = self._fits.get(requires)
        if fits is None:
            fits = sorted((c for c in self._agent_sets if requires <= c), key=len)
            self._fits[requires] = fits
        for capabilities in fits:
            idle = self._idle.get(capabilities)
            while idle:
                agent = next(iter(idle))
                del idle[agent]
                self._idle_entries -= 1
                if agent.ready:
                    return agent
        return None

    def _start(self, handle: TaskHandle, agent: Agent, now: float) -> None:
        """Dispatch: from here the task is running, though the agent may first finish the
        ordinary messages already in its mailbox."""
        cell = agent.cell
        handle._attempt = 1 + handle._retries - handle._retries_left
        task = Task(
            handle._id,
            handle._payload,
            handle._priority,
            handle._deadline,
            handle._requires,
            handle._attempt,
        )
        future: asyncio.Future[object] = self._system.loop.create_future()
        envelope = Ask(task, future, cell.path, TAKEN_BACK)
        agent.handle = handle
        agent.envelope = envelope
        handle._status = RUNNING
        handle._started_at = now
        handle._agent = agent
        handle._drop_deadline()
        counts = self.counts
        counts[PENDING] -= 1
        counts[RUNNING] += 1
        future.add_done_callback(agent.on_done)
        cell.enqueue(envelope)  # past the mailbox bound: a task is never refused
        history = agent.history
        if not history or history[-1][1] is not BUSY:  # from task to task it stays busy
            agent.observe(now)

    # --- outcomes --------------------------------------------------------------------------
    def attempt_done(self, agent: Agent, future: asyncio.Future[object]) -> None:
        """The agent answered, failed, stopped, or the envelope was withdrawn (cancelled)."""
        handle = agent.handle
        agent.handle = agent.envelope = None
        assert handle is not None
        now = self._system.clock.now()
        if future.cancelled():
            error: BaseException | None = None
            withdrawn = True
        else:
            error = future.exception()  # retrieved even when discarded: no "never retrieved"
            withdrawn = _never_ran(error)
        if handle._status is RUNNING:  # else it was cancelled meanwhile: discard the outcome
            if withdrawn:
                self._requeue(handle, None, now)
            elif error is None:
                self._finish(handle, SUCCEEDED, now, result=future.result())
            elif handle._retries_left:
                # Requeued before this agent can idle again, so another idle agent wins it.
                handle._retries_left -= 1
                self._requeue(handle, error, now)
            else:
                self._finish(handle, FAILED, now, error=error)
        self._available(agent, now)

    def _requeue(self, handle: TaskHandle, error: BaseException | None, now: float) -> None:
        counts = self.counts
        counts[RUNNING] -= 1
        counts[PENDING] += 1
        handle._status = PENDING
        handle._agent = None
        if self._closed:
            stopped = ActorStopped(
                f"task {handle._id} could not be retried: the actor system shut down"
            )
            stopped.__cause__ = error
            self._finish(handle, FAILED, now, error=stopped)
            return
        deadline = handle._deadline
        if deadline is not None and now >= deadline:
            self._finish(handle, EXPIRED, now, error=self._deadline_error(handle, error))
            return
        self._place(handle, now)

    def _expire(self, handle: TaskHandle) -> None:
        handle._timer = None
        if self._pending.remove(handle):
            now = self._system.clock.now()
            self._finish(handle, EXPIRED, now, error=self._deadline_error(handle, None))

    def _deadline_error(self, handle: TaskHandle, cause: BaseException | None) -> DeadlineExceeded:
        error = DeadlineExceeded(
            f"task {handle._id} was not started before its deadline "
            f"({handle._deadline:g} on the system clock); give it a later deadline or more "
            f"agents with {sorted(handle._requires) or 'any capability'}"
        )
        error.__cause__ = cause
        return error

    def _finish(
        self,
        handle: TaskHandle,
        status: TaskStatus,
        now: float,
        *,
        result: Any = None,
        error: BaseException | None = None,
    ) -> None:
        counts = self.counts
        counts[handle._status] -= 1
        counts[status] += 1
        if self.durations is not None:
            self.durations.observe(now - handle._submitted_at)
        handle._finish(status, now, result, error)

    def cancel(self, handle: TaskHandle) -> bool:
        status = handle._status
        if status is PENDING:
            self._pending.remove(handle)
        elif status is not RUNNING:
            return False
        agent = handle._agent
        cancelled = TaskCancelled(f"task {handle._id} was cancelled")
        self._finish(handle, CANCELLED, self._system.clock.now(), error=cancelled)
        if agent is not None:
            # Not yet picked up: take it back, so the agent never sees it and frees up now.
            self._withdraw(agent)
        return True

    def _withdraw(self, agent: Agent) -> None:
        """Take the agent's task back out of its mailbox if it has not begun handling it;
        the envelope's cancelled future then runs `attempt_done` like any outcome."""
        envelope = agent.envelope
        cell = agent.cell
        if envelope is None or envelope.future.done() or cell.handling is envelope:
            return
        cell.mailbox.remove(envelope)
        cell.accepted -= 1  # taken back, not lost: the message accounting stays balanced
        envelope.future.cancel()

    # --- agents ------------------------------------------------------------------------------
    def _available(self, agent: Agent, now: float) -> None:
        """The agent may take a task: give it the best pending one it can serve, or idle it."""
        if agent.ready:
            handle = self._pending.pop_for(agent.capabilities)
            if handle is not None:
                self._start(handle, agent, now)
                return
            idle = self._idle[agent.capabilities]
            if agent not in idle:
                idle[agent] = None
                self._idle_entries += 1
        agent.observe(now)

    def spawned(self, cell: Cell) -> None:
        capabilities = cell.capabilities
        if not capabilities:
            return
        agent = self._agents[cell] = Agent(self, cell)
        count = self._agent_sets.get(capabilities, 0)
        if not count:
            self._idle[capabilities] = {}
            self._fits.clear()
        self._agent_sets[capabilities] = count + 1
        self._available(agent, self._system.clock.now())

    def stopped(self, cell: Cell) -> None:
        """Its task, if any, comes back through `attempt_done`: the cell has just failed the
        envelope (`NotDelivered` if queued, `ActorStopped` if it was being handled)."""
        agent = self._agents.pop(cell, None)
        if agent is None:
            return
        agent.stopped = True
        capabilities = agent.capabilities
        idle = self._idle[capabilities]
        if agent in idle:
            del idle[agent]
            self._idle_entries -= 1
        count = self._agent_sets[capabilities] - 1
        if count:
            self._agent_sets[capabilities] = count
        else:
            del self._agent_sets[capabilities]
            del self._idle[capabilities]
            self._fits.clear()
        agent.observe(self._system.clock.now())

    def failed(self, cell: Cell, error: BaseException) -> None:
        """A task queued behind the failed message would wait out the restart (and its
        backoff): take it back so that another agent can run it, without using a retry."""
        agent = self._agents.get(cell)
        if agent is not None:
            self._withdraw(agent)
            agent.observe(self._system.clock.now())

    def restarted(self, cell: Cell) -> None:
        agent = self._agents.get(cell)
        if agent is not None:
            self._available(agent, self._system.clock.now())

    resumed = restarted

    # --- views -------------------------------------------------------------------------------
    def agents(self) -> list[AgentInfo]:
        if not self._agents:
            return []  # also before start, when the clock may have no loop to read yet
        now = self._system.clock.now()
        return [agent.info(now) for agent in self._agents.values()]

    def unservable(self) -> int:
        return self._pending.unservable(self._agent_sets) if self._pending else 0

    def close(self) -> None:
        """At shutdown: pending tasks would never start, so fail them now rather than leave
        their awaiters hanging. Running ones finish as their agents drain or are stopped."""
        self._closed = True
        pending = self._pending
        everything = frozenset[str]().union(*pending.groups())
        now = self._system.clock.now()
        while (handle := pending.pop_for(everything)) is not None:
            self._finish(
                handle,
                FAILED,
                now,
                error=ActorStopped(
                    f"task {handle._id} never started: the actor system shut down first"
                ),
            )


def _never_ran(error: BaseException | None) -> bool:
    """True for the `NotDelivered` the cell sets on an envelope still queued when its agent
    stopped. One raised inside the agent's own `receive` (an ask of its own that was not
    delivered) is a real failure of the attempt; having been raised, it has a traceback."""
    return isinstance(error, NotDelivered) and error.__traceback__ is None
