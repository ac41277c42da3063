"""The end of the event loop under a system that was never shut down (a test that forgot
`shutdown()`, a `start()` with no `async with`): `asyncio.run` (uvloop's, pytest-asyncio's
runner) cancels every task left and runs the loop until they end, then closes it. A system
that waited for nothing then left its store's connections open on their threads (a write
transaction cut short holding the file's lock for every later system and process), its
port bound and its NATS connection up, for the life of the process."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from ._shown import shown, traced

if TYPE_CHECKING:
    from ._system import ActorSystem

logger = logging.getLogger("actorkit")


class LoopEnd:
    """One task per running system, waiting for its shutdown to begin. Cancelled first,
    the task can only have been cancelled with every other task (nothing else holds it): it
    then shuts the system down, which the loop's end waits for as it waits for every task it
    cancelled, and ends cancelled."""

    __slots__ = ("_begun", "_task")

    def __init__(self, loop: asyncio.AbstractEventLoop, system: ActorSystem) -> None:
        self._begun: asyncio.Future[None] = loop.create_future()
        self._task = loop.create_task(self._watch(system))

    def begun(self) -> None:
        if not self._begun.done():
            self._begun.set_result(None)

    async def _watch(self, system: ActorSystem) -> None:
        try:
            await self._begun
        except asyncio.CancelledError:
            if not self._begun.cancelled():  # the shutdown began first: the loop's end has it
                raise
            logger.warning(
                "actor system %s was never shut down and its event loop is ending (every "
                "task cancelled): shutting it down now; use `async with ActorSystem(...)` "
                "or await system.shutdown()",
                system.name,
            )
            await _shut_down_at_the_end(system)
            raise


async def _shut_down_at_the_end(system: ActorSystem) -> None:
    """The shutdown as the loop's end leaves one it finds under way: its closing task is
    cancelled with the rest, so it forces the actors' stop at once and closes what they held
    without a last send or goodbye (nats-py's own tasks were cancelled too: a goodbye would
    wait out its timeout)."""
    shutting = asyncio.ensure_future(system.shutdown())
    await asyncio.sleep(0)  # its first step begins the closing task
    closing = system._closing
    if closing is not None:
        closing.cancel()
    try:
        await shutting
    except asyncio.CancelledError:  # the closing task's, which ends cancelled
        pass
    except Exception as error:  # the loop's end would report it as a task's fault
        logger.error(
            "shutting down %s at the loop's end failed: %s",
            system.name, shown(error), exc_info=traced(error),
        )  # fmt: skip


def closed_from_outside(loop: asyncio.AbstractEventLoop) -> bool:
    """Whether an actor's coroutine that met a `GeneratorExit` is being closed rather than
    run: no task of its loop is running (the collector closes the coroutines of the tasks
    left pending on a loop closed by hand, its system never shut down). Nothing of the
    runtime may run then: no failure handled, no `on_stop`, no future answered on a closed
    loop, no wait in a coroutine being closed. One raised by user code comes while its
    task runs, and is a failure as any other."""
    return asyncio.current_task(loop) is None


def shutdown_begun(end: LoopEnd | None) -> None:
    """The system's shutdown began (if it started): nothing is left to watch for."""
    if end is not None:
        end.begun()
