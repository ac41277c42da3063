"""A stop asked from outside an actor's own task (`await ref.stop()`): it closes an idle leaf
at once, runs the stop of a parked leaf with an `on_stop` in the turn it is asked in, queues the
stop without waiting when the caller runs inside the actor or below it, joins a stop already
queued, and otherwise waits for the actor to stop; given a timeout, it forces the stop past
it, as a shutdown does past its own (`_outside_stop`)."""

from __future__ import annotations

import asyncio
import types
from collections.abc import Awaitable, Generator
from typing import TYPE_CHECKING, Any

from ._awaited import waiting_on, waits_on
from ._blocked_sends import let_past
from ._loop_timer import timeout_at
from ._outside_stop import force_stop, signalled, subtree, waiting_for_its_task
from ._signals import Stop

if TYPE_CHECKING:
    from ._cell import Cell


async def stop_within(cell: Cell, timeout: float) -> None:
    """The orderly stop, forced past `timeout` seconds on the subtree still running: OTP's
    child `shutdown` time then a kill, for a handler that never returns (no stop would).
    A caller that stops waiting first leaves the stop under way, its force still due at
    its time: in a task of its own then, so the actor is not left to a stuck handler. The
    force is due at the deadline read here: that task arms it a loop turn on, and a stall
    meanwhile must not move it past `timeout`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    try:
        await _stopped_by(cell, deadline, timeout)
    except asyncio.CancelledError:
        if not cell.closed:
            forcing = loop.create_task(_stopped_by(cell, deadline, timeout))
            _forcing.add(forcing)
            forcing.add_done_callback(_forcing.discard)
        raise


_forcing: set[asyncio.Task[None]] = set()
"""The forces of stops whose callers left (`stop_within`), held until they end."""


async def _stopped_by(cell: Cell, deadline: float, timeout: float) -> None:
    try:
        async with timeout_at(deadline):
            await stop_from_outside(cell)
            return
    except TimeoutError:
        if cell.closed:  # it ended as the deadline passed
            return
    await force_stop(subtree(cell), f"stop of {cell.display_path}", f"exceeded {timeout}s")


def stop_from_outside(cell: Cell) -> Awaitable[None]:
    """What to await for the stop. An idle leaf's is no coroutine: per-request actors, spawned,
    asked once and stopped, pay for it at each request."""
    if cell.idle_leaf:
        # Dormant or parked (never mid-message) with nothing to run on its way out: closing
        # is the whole stop, as in `stop_children`. It wakes a parked task, whose last step
        # then runs first in the FIFO ready queue: one yield, and none of it runs on return.
        task = cell.task
        cell.instance = None  # `close_without_hooks`, without its frame
        cell.close(None)
        return _ended(task)
    return _stop_waiting(cell)


@types.coroutine
def _ended(task: asyncio.Task[None] | None) -> Generator[Any, None, None]:
    """The wait for a woken task's last step: a bare yield (`asyncio.sleep(0)`'s), or none."""
    if task is not None and not task.done():
        yield
        if not task.done():  # not expected: wait for it, without cancelling it
            yield from asyncio.shield(task)


@types.coroutine
def _a_step() -> Generator[None, None, None]:
    """`asyncio.sleep(0)`'s bare yield, without its frame."""
    yield


async def _stop_waiting(cell: Cell) -> None:
    task = asyncio.current_task()
    waiting = set() if task is None else waiting_on(task)
    awaiting = cell.runtime.awaiting_stops
    mailbox = cell.mailbox
    # Parked (or dormant) below nothing, awaiting no stop: its task awaits its mailbox only,
    # so its stop waits on no handler (`waits_on` finds none), and nothing is queued ahead.
    parked = (
        mailbox.waiter is not None
        and not mailbox.signals
        and not cell.children
        and cell.task not in awaiting
        and cell not in cell.runtime.cleaning_below
    )
    if not parked and task is not None and waits_on(cell, task, waiting):
        # From inside this actor or below it, or a handler this stop waits on through other
        # stops: waiting would wait on itself (a stop ends after the current handler returns).
        cell.post(Stop(None))
        return
    # The caller awaits this stop, and so do the tasks waiting on it (a handler awaiting it
    # through `wait_for`, `shield` or a `TaskGroup`), where a ring of stops is looked for.
    for one in waiting:  # by count: a `gather` of two stops of one actor waits for both
        stops = awaiting.setdefault(one, {})
        stops[cell] = stops.get(cell, 0) + 1
    try:
        if parked:
            # Its task's step runs ahead of this one's in the FIFO ready queue: an `on_stop`
            # that awaits nothing closes it there, a loop turn before an answered future would
            # wake this one. Filed above all the same: a hook stopping the caller finds the ring.
            mailbox.post(Stop(None))
            await _a_step()
            if not cell.closed:  # its `on_stop` awaits: maybe room at the ancestor awaiting this
                let_past(cell)
                await _join_stop(cell)
        elif mailbox.signals and any(type(s) is Stop for s in mailbox.signals):
            await _join_stop(cell)
        else:  # open still (nothing was awaited): `Cell.call` without its coroutine
            await signalled(cell, Stop(None))
    finally:
        for one in waiting:
            stops = awaiting[one]
            if stops[cell] > 1:
                stops[cell] -= 1
            elif len(stops) > 1:
                del stops[cell]
            else:
                del awaiting[one]


async def _join_stop(cell: Cell) -> None:
    """Wait for the stop already queued (asked for by a caller that may have given up
    waiting) instead of queueing one more: callers that retry a stop under a timeout while a
    long handler runs would otherwise pile up a stop each until it ends."""
    waiter = cell.runtime.loop.create_future()
    cell.add_stop_waiter(waiter)
    try:
        await waiting_for_its_task(cell, waiter)
    except asyncio.CancelledError:
        if cell.stop_waiters is not None and waiter in cell.stop_waiters:
            cell.stop_waiters.remove(waiter)
        raise
