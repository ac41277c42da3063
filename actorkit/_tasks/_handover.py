"""The task layer's only contact with an agent's cell and mailbox: starting a task on an
agent (the handle marked running, the task handed over) and taking it back.

A task reaches its agent as an ordinary `Ask` envelope in the agent's mailbox, so the cell's
guarantees apply unchanged: the return value or exception of `receive` resolves the
envelope's future, an envelope still queued when the agent stops fails with `NotDelivered`
(the task never ran: requeue it for free), and one being handled when the agent is
force-stopped fails with `ActorStopped`. Keeping both directions here leaves one place to
change when the mailbox does.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from .._envelope import TAKEN_BACK, Ask
from .._withdraw import take_back as taken_back
from ._agents import BUSY
from ._handle import RUNNING, Task, TaskDraft

if TYPE_CHECKING:
    from ._agents import Agent
    from ._handle import TaskHandle


class Attempt:
    """The future in an agent's task envelope: through it, the outcome of the agent's current
    attempt reaches the task layer (`agent.on_done(agent, result, error)`).

    Not an `asyncio.Future`: nobody awaits it, and whoever settles it (the receive loop, the
    mailbox rejecting it as the agent stops, a forced stop while it is handled) only asks
    whether it is `done` and sets a result or an exception. It keeps where the outcome goes
    (`agent`, until one is set: once, a second set raises as a future's does). A success is
    reported at once, from inside the agent's receive loop, and the agent is then handed its
    next task while it is still draining, and takes it without parking and being woken again.
    A failure or a rejected envelope is reported on the next loop turn, as a done-callback
    would be, so the supervisor handles the failure first; meanwhile it is the agent's
    `unreported` failure, which a cancel finds. An envelope taken back is not reported:
    `withdraw` ends the attempt, and the task layer settles it there and then.

    One per agent, with its one envelope (`agent.envelope`), both filled in again for each of
    its attempts: an agent holds one task at a time and is given the next only once the
    outcome of the last was reported and the envelope is out of the mailbox. A success hands
    over the next task from inside `set_result`, while the cell's `handling` still names the
    envelope; the receive loop moves `handling` on before its next await and reads nothing
    the new task changed, so an earlier attempt can neither report into a later one nor be
    handled again.
    """

    __slots__ = ("agent",)

    takes_failures_as_raised = True
    """The receive loop sets a handler's `NotDelivered` here as it is (`_receive._answer_to`):
    a task fails with its agent's own error."""

    def __init__(self, agent: Agent) -> None:
        self.agent: Agent | None = agent
        """None once the outcome is known: it is reported once, whatever the cell calls."""

    def done(self) -> bool:
        return self.agent is None

    def set_result(self, result: object, /) -> None:
        agent = self.agent
        if agent is None:
            raise asyncio.InvalidStateError("the attempt's outcome is already set")
        self.agent = None
        try:
            agent.on_done(agent, result, None)
        except Exception as error:  # as the loop treats a failing callback: never the agent's
            agent.cell.runtime.loop.call_exception_handler(
                {"message": "task outcome failed", "exception": error, "attempt": self}
            )

    def set_exception(self, exception: BaseException, /) -> None:
        agent = self.agent
        if agent is None:
            raise asyncio.InvalidStateError("the attempt's outcome is already set")
        self.agent = None
        agent.unreported = exception  # `on_done` clears it as it reports it
        agent.cell.runtime.loop.call_soon(agent.on_done, agent, None, exception)

    def withdraw(self) -> bool:
        """End the attempt without reporting it: the one who took the envelope back settles
        the outcome (`WITHDRAWN`) itself, at once, before anybody can look at the agent."""
        if self.agent is None:
            return False
        self.agent = None
        return True


_new = object.__new__


def start(agent: Agent, handle: TaskHandle, now: float) -> None:
    """Dispatch: from here the task is running, though the agent may first finish the
    ordinary messages already in its mailbox. Its attempt is queued past the mailbox bound (a
    task is never refused); `TAKEN_BACK` makes the cell answer an undelivered one with
    `NotDelivered` instead of a dead letter. One function, and objects built without calls to
    `__init__`: this runs once per task."""
    handle._attempt = 1 + handle._retries - handle._retries_left
    handle._status = RUNNING
    handle._started_at = now
    handle._agent = agent
    if handle._timer is not None:
        handle._drop_deadline()
    task: Any = _new(TaskDraft)  # `Task`'s fields, declared there once
    task.id = handle._id
    task.payload = handle._payload
    task.priority = handle._priority
    task.deadline = handle._deadline
    task.requires = handle._requires
    task.attempt = handle._attempt
    task.__class__ = Task  # same slots: now the frozen record
    cell = agent.cell
    envelope = agent.envelope
    if envelope is None:  # its first task
        envelope = agent.envelope = Ask()
        attempt = _new(Attempt)
        # The cell calls only `done`, `set_result` and `set_exception` on an envelope's future.
        envelope.future = attempt  # type: ignore[assignment]
        envelope.target = cell.path
        envelope.timeout = TAKEN_BACK
        envelope.started = None
    envelope.future.agent = agent  # type: ignore[attr-defined]
    envelope.message = task
    agent.handle = handle
    mailbox = cell.mailbox
    if mailbox.waiter is None and not mailbox.closed:
        # `Mailbox.force`'s common case written out: the agent is busy, draining its mailbox.
        mailbox.accepted += 1
        mailbox.queue.append(envelope)
    else:  # parked: `force` wakes it
        queued = mailbox.force(envelope)
        assert queued, "an agent that takes tasks (running) has an open mailbox"
    history = agent.history
    if not history or history[-1][1] is not BUSY:  # from task to task it stays busy
        agent.observe(now)
    elif agent.sink is not None:  # the durable history keeps every task taken
        agent.record(BUSY)


def take_back(agent: Agent) -> bool:
    """Withdraw the task the agent holds if it has not begun handling it. True if it was:
    the attempt is then over without an outcome, and the caller reports `WITHDRAWN` for it."""
    envelope: Any = agent.envelope
    attempt: Attempt = envelope.future
    cell = agent.cell
    if attempt.agent is None or cell.handling is envelope:  # settled, or being handled
        return False
    # The attempt is withdrawn only once its envelope has left the mailbox here: otherwise the
    # agent still has the task, and a withdrawn attempt would hand it to a second agent too.
    return taken_back(cell.mailbox, envelope) and attempt.withdraw()
