"""Sends that no room could ever meet: to a full mailbox that only the sender's own waiting
could be keeping full. The actor's own handler is one such sender; a child's `on_start` is
another, when its parent's handler awaits that start (`await self.spawn(...)`) and so makes
room only once it returns. Either send would wait until shutdown, so it fails at once with
`MailboxFull`, as `tell` does.

What a task awaits is asyncio's private `_fut_waiter`, as `_awaited` reads it, and a start's
future is the `started` local of the actor's task (`_receive.run`), read from its frame: no
mark per spawn, since every spawn would pay for it and only this slow path reads it. A send
made in a task the handler or `on_start` awaits (a `gather`'s) cannot be told from any
other sender's, and waits for room like one."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, NoReturn

from ._errors import MailboxFull

if TYPE_CHECKING:
    from ._cell import Cell

LIMIT = 1_000
"""Starts followed up a chain of spawns, at most: a bound on the walk, not a depth any
program reaches."""


def refuse_blocked_send(cell: Cell, task: asyncio.Task[Any]) -> None:
    """Raise `MailboxFull` for a send from `task` to `cell`'s full mailbox that only `task`'s
    own progress could make room for; return for any other."""
    capacity = cell.mailbox.capacity
    if task is cell.task:  # its own handler
        _refuse(
            cell,
            f"{cell.path} sent to its own full mailbox ({capacity} messages), where only it "
            "could make room once this handler returns: use `self.ref.tell(...)` and handle "
            "MailboxFull, or spawn with a larger mailbox_size",
        )
    waiting = getattr(cell.task, "_fut_waiter", None)
    if waiting is None or waiting.done():
        return
    sender = starting = _starting(task)
    for _ in range(LIMIT):
        if starting is None:
            return
        child, started = starting
        parent = child.parent
        if parent is None or getattr(parent.task, "_fut_waiter", None) is not started:
            return
        if parent is cell:
            assert sender is not None
            _refuse(
                cell,
                f"{sender[0].path} sent from its on_start to {cell.path}'s full mailbox "
                f"({capacity} messages) while {cell.path}'s handler awaits its start (`spawn`), "
                "so only that handler could make room, once the on_start has returned: use "
                "`tell(...)` and handle MailboxFull, send once on_start has returned (from a "
                f"message to itself), or spawn {cell.path} with a larger mailbox_size",
            )
        starting = _starting(parent.task) if parent.task is not None else None


def _starting(task: asyncio.Task[Any]) -> tuple[Cell, asyncio.Future[None]] | None:
    """The actor whose task `task` is, with its `spawn`'s future, while `on_start` runs."""
    frame = getattr(task.get_coro(), "cr_frame", None)  # None once ended, or not a coroutine
    if frame is None:
        return None
    held = frame.f_locals
    child, started = held.get("cell"), held.get("started")
    if getattr(child, "task", None) is not task or not isinstance(started, asyncio.Future):
        return None  # not an actor's task (a task factory's wrapper, a task of its own)
    return None if started.done() else (child, started)


def _refuse(cell: Cell, why: str) -> NoReturn:
    if cell.stats is not None:
        cell.stats.dropped += 1
    raise MailboxFull(why)
