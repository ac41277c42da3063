"""Stopping a whole system: an orderly stop that drains mailboxes within the timeout, then a
forced stop of whatever is left. Never raises for slowness, never hangs."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from ._signals import Stop

if TYPE_CHECKING:
    from ._cell import Cell
    from ._runtime import Runtime

logger = logging.getLogger("actorkit")

FORCED_STOP_GRACE = 1.0
"""After the shutdown timeout, how long cancelled actors get to unwind before being abandoned."""


async def stop_actors(runtime: Runtime, root: Cell, timeout: float) -> None:
    """Children before parents in reverse start order, each draining its mailbox; past
    `timeout`, cancel what is left. Then end the runtime's timers and deadlines."""
    orderly = runtime.loop.create_task(root.call(Stop(None, drain=True)))
    done, _ = await asyncio.wait({orderly}, timeout=max(0.0, timeout))
    if not done:
        orderly.cancel()
        await _force_stop(runtime, root, timeout)
    runtime.ask_deadlines.close()
    runtime.timers.close()
    runtime.clock.detach(runtime.is_idle)


async def _force_stop(runtime: Runtime, root: Cell, timeout: float) -> None:
    """Close every cell now (their asks fail with `ActorStopped`, queued messages become dead
    letters), deepest first, then cancel their tasks and give them a grace to unwind."""
    live = sorted([*runtime.cells(), root], key=lambda cell: cell.path.count("/"), reverse=True)
    tasks = {cell.task: cell for cell in live if cell.task is not None and not cell.task.done()}
    for cell in live:
        cell.kill()
    logger.warning(
        "shutdown of %s exceeded %ss; cancelled: %s",
        runtime.name,
        timeout,
        ", ".join(cell.display_path for cell in tasks.values()) or "(none)",
    )
    if tasks:
        _, pending = await asyncio.wait(tasks, timeout=FORCED_STOP_GRACE)
        if pending:
            logger.error(
                "shutdown of %s abandoned actors that ignored cancellation: %s",
                runtime.name,
                ", ".join(tasks[task].display_path for task in pending),
            )
