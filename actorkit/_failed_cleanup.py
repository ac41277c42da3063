"""The cleanup after a failure that closes an actor (`Record.cannot_go_on`), when it cannot
finish: a fault of the runtime's raised while it stopped the children or ran `on_stop`. The
actor closes all the same, with its first failure, which is what its watchers and parent
hear of; nothing is decided twice. Two things must not follow from the second fault:
children left running under a closed parent (its stop would return with them alive, and a
shutdown find them later and force them as if it had run out of time), and an exception let
out of the actor's task, which nobody awaits."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ._awaited import subtree
from ._errors import ActorStopped
from ._outside_stop import kill
from ._shown import shown, traced

if TYPE_CHECKING:
    from ._cell import Cell

logger = logging.getLogger("actorkit")


def kill_below(top: Cell) -> None:
    """Stop by force what `top`'s cleanup left running below it, as a shutdown past its
    timeout does: closed now, their tasks cancelled, each `on_stop` run as its task unwinds.
    Not what is ending already: a closed actor (one running its `on_stop` in a task a forced
    stop cancelled, which a second cancellation would cut short), nor a cancelled spawn,
    whose own task stops it once it has stopped what is below it (`subtree` finds both);
    nor `top`, which closes next."""
    ending = {top, *top.runtime.unwinding.values()}
    below = [cell for cell in subtree(top) if not cell.closed and cell not in ending]
    if below:
        kill(below)
        paths = ", ".join(cell.display_path for cell in below)
        logger.warning("%s could not stop its children; cancelled: %s", top.display_path, paths)


def cleanup_failed(cell: Cell, fault: BaseException) -> None:
    """Logged, rather than let out of the task or dropped: a fault of the runtime's."""
    logger.error(
        "the cleanup of %s after its failure failed too: %s",
        cell.display_path,
        shown(fault),
        exc_info=traced(fault),
    )


def stopped_starting(cell: Cell, failure: BaseException | None = None) -> ActorStopped:
    """What `spawn` raises when a forced stop cuts into the actor's start: into `on_start`,
    or into the stop of the children of one that failed, the `failure` (its cause), which
    would otherwise be lost: nobody decides on a failure at spawn, nor logs it."""
    if failure is None:
        return ActorStopped(f"{cell.display_path} was stopped before on_start finished")
    stopped = ActorStopped(
        f"{cell.display_path} was stopped before the children of its failed on_start had stopped"
    )
    stopped.__cause__ = failure
    return stopped
