"""A control signal whose transition raised (a fault of the runtime's, or a
`supervisor_strategy` that `__init__` set to no strategy) and is left half done: the actor
goes no further in it, ends its instance and fails as a handler would."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from ._cut import cleanup_cut
from ._instruments import IN_SIGNAL

if TYPE_CHECKING:
    from ._cell import Cell


async def signal_failed(cell: Cell, failure: BaseException, *, for_good: bool = False) -> None:
    """Its children stop and its `on_stop` runs (children first, as in OTP), then it fails as
    a handler would, reported to its parent, who decides (with no instance left, a resume
    restarts it). At the root, while it or its parent stops, or when the signal was a `Stop`
    (`for_good`: one from outside, never followed by a restart, or its supervisor's decision
    already), it closes with the failure instead (the root's fails the system), as it does if
    that cleanup itself cannot finish. Cut meanwhile by its supervisor, whose wait on the
    signal (answered after this cleanup) ran out, the cut carries out what the supervisor
    decided (`cleanup_cut`)."""
    try:
        await cell.end_instance()
    except BaseException as error:
        if not (
            isinstance(error, asyncio.CancelledError)
            and cell.runtime.cuts
            and cleanup_cut(cell, failure)
        ):
            cell.cannot_go_on(failure, IN_SIGNAL)
        raise
    parent = cell.parent
    if for_good or cell.unsupervised_children or parent is None or parent.unsupervised_children:
        cell.cannot_go_on(failure, IN_SIGNAL)
    else:
        cell.report(failure, IN_SIGNAL)
