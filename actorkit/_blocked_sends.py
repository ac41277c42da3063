"""Sends that no room could ever meet in time: to a full mailbox that only the sender's own
waiting keeps from being read. The actor's own handler is one such sender; a child's
`on_start` is another, when its parent's handler awaits that start (`await self.spawn(...)`)
and so makes room only once it returns. Either would wait until shutdown: it fails at once
with `MailboxFull`, as `tell` does. A descendant of an actor that drains (a shutdown) is a
third: the actor reads its mailbox again only once its children's drains have ended, so the
sends of theirs it would have waited for are put past its bound instead (it handles them,
as it handles what they sent it with room). A descendant whose own stop or restart has begun
(its children stop, its `on_stop` runs, a restart's new `on_start` runs) is a fourth: an
ancestor may be awaiting that stop or start (its own restart, a restart of its children, a
handler's `await child.stop()`) and read again only once it has ended, so those sends go past
the bound too. And a descendant whose handler already waits in line for room when its stop or
restart comes to be awaited (`let_past`) is granted a place past the bound then, and so is
each send it makes until it returns: its handler returns, and the stop ends.

What a task awaits is asyncio's private `_fut_waiter`, as `_awaited` reads it, and which
actor a task is, with its start's future, are the `cell` and `started` locals of the actor's
task (`_receive.run`), read from its frame: no mark per spawn, since every spawn would pay for
it and only this slow path reads it. A send made in a task the handler or `on_start` awaits
(a `gather`'s) cannot be told from any other sender's, and waits for room like one."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, NoReturn

from ._actor_task import actor_of
from ._errors import MailboxFull
from ._signals import Stop, StopInstance
from ._state import RESTARTING, STOPPING

if TYPE_CHECKING:
    from ._cell import Cell

LIMIT = 1_000
"""Steps followed up a chain of spawns or parents, at most: a bound on the walk, not a depth
any program reaches."""
_ENDING = (STOPPING, RESTARTING)
"""A sender's states while its instance ends (its children stop, its `on_stop` runs) and, in a
restart, until its new instance's `on_start` has returned."""
_AWAITED = (Stop, StopInstance)
"""The signals whose end someone may await (`signalled`): a stop, a restart's first half."""


def past_the_bound(cell: Cell, task: asyncio.Task[Any]) -> bool:
    """For a send from `task` that finds `cell`'s mailbox full: raise `MailboxFull` if
    only `task`'s own progress could make room; True if it is to be put past the bound (the
    sender is a descendant of `cell`, which drains, or one whose own stop has begun); False to
    wait for room."""
    if task is cell.task:  # its own handler
        _refuse(
            cell,
            f"{cell.path} sent to its own full mailbox ({cell.mailbox.capacity} messages), where "
            "only it could make room once this handler returns: use `self.ref.tell(...)` and "
            "handle MailboxFull, or spawn with a larger mailbox_size",
        )
    if cell.draining:
        sender = actor_of(task)
        return sender is not None and _descends(sender[0], cell)
    waiting = getattr(cell.task, "_fut_waiter", None)
    if waiting is None or waiting.done() or waiting is cell.mailbox.waiter:
        return False  # it runs, is about to, or is parked
    sender = actor_of(task)  # read only here: a frame's locals cost 1,500 instructions
    if sender is None:
        return False
    if _ending(sender[0]) and _descends(sender[0], cell):
        return True  # into a sealed mailbox too: its close dead-letters it, as a wait would
    _refuse_a_start_awaited(cell, sender)
    return False


def _refuse_a_start_awaited(cell: Cell, actor: tuple[Cell, object]) -> None:
    """`MailboxFull` if `actor` is in its `on_start`, and `cell`'s handler awaits its start,
    directly or down a chain of spawns each awaiting the next one's start."""
    sender = starting = _starting(actor)
    for _ in range(LIMIT):
        if starting is None:
            return
        child, started = starting
        parent = child.parent
        if parent is None or getattr(parent.task, "_fut_waiter", None) is not started:
            return
        if parent is cell:
            assert sender is not None
            path = cell.path
            _refuse(
                cell,
                f"{sender[0].path} sent from its on_start to {path}'s full mailbox "
                f"({cell.mailbox.capacity} messages) while {path}'s handler awaits its start "
                "(`spawn`), so only that handler could make room, once the on_start has "
                "returned: use `tell(...)` and handle MailboxFull, send once on_start has "
                f"returned (from a message to itself), or spawn {path} with a larger mailbox_size",
            )
        starting = None if parent.task is None else _starting(actor_of(parent.task))


def _starting(actor: tuple[Cell, object] | None) -> tuple[Cell, asyncio.Future[None]] | None:
    """The actor with its `spawn`'s future, while its `on_start` runs."""
    if actor is None or not isinstance(actor[1], asyncio.Future) or actor[1].done():
        return None
    return actor[0], actor[1]


def _ending(sender: Cell) -> bool:
    """Its instance ends, or a stop or restart of it waits for its handler to return."""
    return sender.state in _ENDING or any(type(s) in _AWAITED for s in sender.mailbox.signals)


def _descends(sender: Cell, cell: Cell) -> bool:
    ancestor = sender.parent
    for _ in range(LIMIT):
        if ancestor is None:
            return False
        if ancestor is cell:
            return True
        ancestor = ancestor.parent
    return False


def _refuse(cell: Cell, why: str) -> NoReturn:
    if cell.stats is not None:
        cell.stats.dropped += 1
    raise MailboxFull(why)


def let_past(cell: Cell) -> None:
    """A stop or restart of `cell` is about to be awaited (`_outside_stop.signalled`): if its
    handler waits in line for room at an ancestor's full mailbox, grant it a place past the
    bound, since that ancestor may be the one awaiting the stop (its own restart, a
    `one_for_all` restart, a handler's `await child.stop()`) and reads only once it ends."""
    room = getattr(cell.task, "_fut_waiter", None)
    if room is None or room.done():
        return
    ancestor = cell.parent
    for _ in range(LIMIT):
        if ancestor is None:
            return
        mailbox = ancestor.mailbox
        blocked = mailbox.blocked
        if blocked and room in blocked:  # as `Room.admit` grants a place, past the capacity
            mailbox.grant(room, blocked.pop(room))
            if not blocked:
                mailbox.blocked = None
            mailbox.relimit()
            return
        ancestor = ancestor.parent
