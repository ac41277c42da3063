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

from typing import TYPE_CHECKING

from .._envelope import TAKEN_BACK, Ask
from .._mailbox import reject

if TYPE_CHECKING:
    import asyncio

    from .._cell import Cell
    from ._handle import Task


def hand_to_agent(cell: Cell, task: Task, future: asyncio.Future[object]) -> Ask:
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
