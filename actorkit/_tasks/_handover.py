"""The task layer's only contact with an agent's cell and mailbox: handing a task over and
taking it back.

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
from .._mailbox import reject

if TYPE_CHECKING:
    from .._cell import Cell
    from ._agents import Agent
    from ._handle import Task


_SET_RESULT = asyncio.Future.set_result
"""The base method, called without `super()`'s lookup: once per task."""


class Attempt(asyncio.Future[object]):
    """The envelope's future for one attempt of a task: the agent's outcome reaches the task
    layer (`agent.on_done`) through it.

    A success is reported at once, from inside the agent's receive loop: the agent is then
    handed its next task while it is still draining, and takes it without parking and being
    woken again (a park and a wake-up per task cost about what the rest of the task layer
    does). Every other outcome (a failure, which the supervisor handles first; an envelope
    rejected or taken back) is reported on the next loop turn, as a done-callback would be.
    """

    __slots__ = ("agent",)
    agent: Agent
    """Set right after construction (no `__init__` of its own: one Python call less per task)."""

    def set_result(self, result: object, /) -> None:
        _SET_RESULT(self, result)
        try:
            self.agent.on_done(self)
        except Exception as error:  # as the loop treats a failing callback: never the agent's
            self.get_loop().call_exception_handler(
                {"message": "task outcome failed", "exception": error, "future": self}
            )

    def set_exception(self, exception: Any, /) -> None:
        super().set_exception(exception)
        self.get_loop().call_soon(self.agent.on_done, self)

    def cancel(self, msg: Any | None = None) -> bool:
        if not super().cancel(msg):
            return False
        self.get_loop().call_soon(self.agent.on_done, self)
        return True


def hand_to_agent(cell: Cell, task: Task, future: Attempt) -> Ask:
    """Queue the task past the mailbox bound (a task is never refused); `TAKEN_BACK` makes
    the cell answer an undelivered one with `NotDelivered` instead of a dead letter."""
    envelope = Ask(task, future, cell.path, TAKEN_BACK)
    if not cell.mailbox.force(envelope):  # stopped meanwhile: the task goes back to the queue
        reject(envelope, cell.path, "stopped", cell.runtime.dead_letters)
    return envelope


def take_back(cell: Cell, envelope: Ask) -> None:
    """Withdraw a task the agent has not begun handling; the envelope's cancelled future then
    reports the outcome like any other."""
    if envelope.future.done() or cell.handling is envelope:
        return
    cell.mailbox.take_back(envelope)  # not lost: the accounting stays exact
    envelope.future.cancel()
