"""`TaskLayer`: submit, dispatch to idle capable agents, outcomes, retries, deadlines.

It follows agents as an instrument (agent_spawned, agent_started, agent_paused, agent_stopped,
restarted, resumed), so the core carries no task code; it reaches them only through `_handover`.

Assignment never scans all agents, tasks or sets (there may be thousands of sets): idle
agents are grouped by capability set (`IdleAgents`), pending tasks by requirement set
(`PendingTasks`). The invariant that makes this enough: no pending task can be served by an
idle agent, because a task only waits when no capable agent is idle, and an agent only idles
when no pending task fits it.
"""

from __future__ import annotations

import functools
from math import inf, nextafter
from typing import TYPE_CHECKING, Any

from .._instruments import Instrument
from .._state import STARTING
from .._stats import FOLD_AT, Histogram
from ._agents import Agent, AgentInfo, Sink
from ._checks import (
    CHECKED_REQUIRES,
    check_deadline,
    check_int,
    check_requires,
    check_retries,
)
from ._deadlines import Deadlines
from ._failures import WITHDRAWN, Unbuilt, expired, ran, refused, shut_out
from ._handle import (
    CANCELLED,
    EXPIRED,
    FAILED,
    PENDING,
    RUNNING,
    SUCCEEDED,
    TaskHandle,
    TaskStatus,
)
from ._handover import start, take_back
from ._idle import IdleAgents
from ._index import PendingTasks
from ._stats import TaskStats

if TYPE_CHECKING:
    from .._cell import Cell
    from .._metrics import Metrics
    from .._runtime import Runtime

__all__ = ["TaskLayer"]

_new = object.__new__
_init_handle = TaskHandle.__init__


class TaskLayer(Instrument):
    """One per system. An instrument, to follow agents' lifecycles."""

    def __init__(self, runtime: Runtime, metrics: Metrics) -> None:
        self._runtime = runtime
        self._idle = IdleAgents()
        self._pending: PendingTasks[TaskHandle] = PendingTasks(self._idle.capability_sets)
        self._deadlines = Deadlines(runtime.clock, self._expire)
        self._agents: dict[Cell, Agent] = {}
        self._next_id = 0
        self._closed = False
        self.finished: dict[TaskStatus, int] = dict.fromkeys(
            (SUCCEEDED, FAILED, EXPIRED, CANCELLED), 0
        )
        self.stats: TaskStats = TaskStats(self)
        self.durations: Histogram | None = None
        self.history_sink: Sink | None = None  # set before any agent: `Agent.sink`
        if metrics.enabled:
            # Imported here: prometheus_client loads only for a system that exports metrics.
            from ._metrics import TASK_BUCKETS, collect

            durations = self.durations = Histogram(TASK_BUCKETS)
            metrics.add_source(functools.partial(collect, self, durations))
        runtime.instruments.add(self)

    @property
    def pending(self) -> int:
        """Exactly the tasks in the index: counted there, not again on every move."""
        return len(self._pending)

    @property
    def running(self) -> int:
        """Derived, not counted, so that dispatch and completion update no counter."""
        return self._next_id - len(self._pending) - sum(self.finished.values())

    @property
    def counts(self) -> dict[TaskStatus, int]:
        """Tasks per status: pending and running now, and the totals of each way of ending."""
        return {PENDING: self.pending, RUNNING: self.running, **self.finished}

    # --- submitting ------------------------------------------------------------------------
    def submit(
        self, payload: Any, priority: int, deadline: float | None, requires: object, retries: int
    ) -> TaskHandle:
        # The checks' common cases inline: a call each would cost as much as the test.
        if type(priority) is not int:
            priority = check_int("priority", priority)
        if type(retries) is not int or retries < 0:
            retries = check_retries(retries)
        if deadline is not None:
            deadline = check_deadline(deadline)
        try:  # `check_requires`'s common case: a set given before
            needed = CHECKED_REQUIRES[requires]
        except Exception:  # not seen, unhashable, or a hash or == of the caller's own that raised
            needed = None  # checked outside the handler: a refusal chained to it would mislead
        if needed is None:
            needed = check_requires(requires)
        runtime = self._runtime
        if not runtime.accepting:
            raise refused(runtime)
        now = runtime.clock.now()
        self._next_id = task_id = self._next_id + 1
        if deadline is not None:
            deadline += now
            if deadline <= now:  # too short to move a clock this late: at least one step
                deadline = nextafter(now, inf)
        handle = _new(TaskHandle)  # `__init__` as a plain function runs inline, not a class call
        _init_handle(handle, self, task_id, payload, priority, deadline, needed, retries, now)
        if self._idle.entries or deadline is not None:
            self._place(handle, now)
        else:  # `_place`'s common case in a burst of submits: nobody idle, no deadline
            self._pending.push(handle, needed, priority, task_id)
        return handle

    def _place(self, handle: TaskHandle, now: float) -> None:
        """Start a pending task on an idle capable agent, or queue it until one is free."""
        idle = self._idle
        if idle.entries:  # none idle during a burst of submits: skip the call
            agent = idle.take(handle._requires)
            if agent is not None:
                start(agent, handle, now)
                return
        # The id doubles as the order of submission, so a requeued task keeps its place.
        self._pending.push(handle, handle._requires, handle._priority, handle._id)
        if handle._deadline is not None:
            handle._timer = self._deadlines.add(handle)

    # --- outcomes --------------------------------------------------------------------------
    def attempt_done(self, agent: Agent, result: object, error: BaseException | None) -> None:
        """The agent answered (`error` None), failed or stopped, or the task was taken back."""
        handle: TaskHandle = agent.handle  # type: ignore[assignment]  # it held one
        agent.handle = None
        # The envelope stays for the next task; the payload goes, unless the runtime failed the
        # attempt (no traceback) under a handler whose crash report may yet name it (a cut's).
        if error is None or error is WITHDRAWN or error.__traceback__ is not None:
            agent.envelope.message = None  # type: ignore[union-attr]  # made for this task
        now = self._runtime.clock.now()
        if error is not None:
            agent.unreported = None  # reported now, if the attempt failed (`Attempt`)
        if handle._status is RUNNING:  # else it was cancelled meanwhile: discard the outcome
            if error is None:
                self._finish(handle, SUCCEEDED, now, result, None)
            elif not ran(error):
                self._requeue(handle, now)
            elif handle._retries_left:
                # Requeued before this agent can idle again, so another idle agent wins it.
                handle._retries_left -= 1
                handle._error = error  # kept as the cause, should the retry never run
                self._requeue(handle, now)
            else:
                self._finish(handle, FAILED, now, None, error)
        self._available(agent, now)

    def _requeue(self, handle: TaskHandle, now: float) -> None:
        handle._status = PENDING
        handle._agent = None
        if self._closed:
            self._finish(handle, FAILED, now, None, shut_out(handle))
            return
        if handle._deadline is not None and now >= handle._deadline:
            self._overdue(handle)
            return
        self._place(handle, now)

    def _expire(self, handle: TaskHandle, now: float) -> None:
        handle._timer = None
        if self._pending.remove(handle):
            self._expired(handle, now)

    def _overdue(self, handle: TaskHandle) -> None:
        """A task found past its deadline before its timer ran (due now, or the loop busy past
        it): back among the pending, it expires with every task then due, as the timer would."""
        self._pending.push(handle, handle._requires, handle._priority, handle._id)
        if handle._timer is None:  # a retry, its entry dropped when its attempt started
            handle._timer = self._deadlines.add(handle)
        self._deadlines.expire_due()

    def _expired(self, handle: TaskHandle, now: float) -> None:
        self._finish(handle, EXPIRED, now, None, expired(handle, now))

    def _finish(
        self,
        handle: TaskHandle,
        status: TaskStatus,
        now: float,
        result: Any,
        error: BaseException | Unbuilt | None,
    ) -> None:
        self.finished[status] += 1
        durations = self.durations
        if durations is not None:  # `Histogram.record`, written out: no bisect per task
            samples = durations.pending
            samples.append(now - handle._submitted_at)
            if len(samples) >= FOLD_AT:
                durations.fold()
        handle._status = status
        handle._finished_at = now
        handle._payload = None  # no attempt is left to hand it to: a kept handle keeps none
        handle._result = result
        handle._error = error
        if error is not None and type(error) is not Unbuilt:
            handle._traceback = error.__traceback__
        handle._agent = None
        if handle._timer is not None:
            handle._drop_deadline()
        if handle._waiters:
            for waiter in handle._waiters:
                if not waiter.done():
                    waiter.set_result(None)

    def _withdraw(self, agent: Agent) -> None:
        """Take the agent's task back out of its mailbox if it has not begun it, and settle that
        attempt now: requeued (without using a retry) unless it was cancelled."""
        if take_back(agent):
            self.attempt_done(agent, None, WITHDRAWN)

    # --- agents ------------------------------------------------------------------------------
    def _available(self, agent: Agent, now: float) -> None:
        """The agent may take a task: give it the best pending one it can serve, or idle it."""
        if agent.takes_task():
            while (handle := self._pending.pop_for(agent.capabilities)) is not None:
                if handle._deadline is None or now < handle._deadline:
                    start(agent, handle, now)
                    return
                self._overdue(handle)
            self._idle.add(agent)
        agent.observe(now)

    def agent_spawned(self, cell: Cell) -> None:
        agent = self._agents[cell] = Agent(self, cell)
        self._idle.joined(cell.capabilities)
        if cell.state is not STARTING:  # else from the end of its `on_start` (`agent_started`)
            self._available(agent, self._runtime.clock.now())

    def agent_stopped(self, cell: Cell) -> None:
        """Its task, if any, comes back through `attempt_done`: the cell has just failed the
        envelope (`NotDelivered` if queued, `ActorStopped` if it was being handled)."""
        if (agent := self._agents.pop(cell, None)) is not None:
            self._idle.left(agent)
            agent.observe(self._runtime.clock.now())

    def agent_paused(self, cell: Cell) -> None:
        """A task it has not begun would wait out its restart (and backoff) or its `on_stop`:
        take it back so that another agent can run it. The state seen here (`restarting` or
        `stopped`) goes into the history even if the agent is idle again by the next event.
        An agent whose task failed holds it until the failure is reported (`unreported`), a
        loop turn later: that attempt is over, with nothing to take back (and this runs twice
        per failure: as the agent is suspended, and as it restarts). Holding none, it lets go
        of the payload of a task cut under it: by then the cut handler has let go too."""
        agent = self._agents.get(cell)
        if agent is not None:
            if agent.handle is not None and agent.unreported is None:
                self._withdraw(agent)
            elif agent.handle is None and agent.envelope is not None:
                agent.envelope.message = None
            agent.observe(self._runtime.clock.now())

    def restarted(self, cell: Cell) -> None:
        agent = self._agents.get(cell)
        if agent is not None:
            self._available(agent, self._runtime.clock.now())

    resumed = restarted
    agent_started = restarted

    # --- views -------------------------------------------------------------------------------
    def agents(self) -> list[AgentInfo]:
        if not self._agents:
            return []  # also before start, when the clock may have no loop to read yet
        now = self._runtime.clock.now()  # an agent not yet started has no history: not listed
        return [agent.info(now) for agent in self._agents.values() if agent.history]

    def unservable(self) -> int:
        return sum(n for r, n in self._pending.groups().items() if not self._idle.serves(r))

    def close(self) -> None:
        """At shutdown: pending tasks would never start, so fail them now rather than leave
        their awaiters hanging. Running ones finish as their agents drain or are stopped."""
        self._closed = True
        self._deadlines.close()
        now = self._runtime.clock.now()
        for handle in self._pending.drain():
            self._finish(handle, FAILED, now, None, shut_out(handle))
