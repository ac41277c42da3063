"""The end of a system's actors, awaited by its owner (`ActorSystem.wait_stopped`), as Akka's
`whenTerminated` or an asyncio server's `wait_closed()`: an embedding program (a web app's
background task) learns of a failure past the root without polling `system.healthy`.

It is set at the two places a system's actors end for good, so it costs nothing before: the
last step of the shutdown, and the end of the actors' stop that a failure past the root
begins (the owner may never shut the system down), unless a shutdown has begun by then."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from ._awaited import in_an_actor
from ._system_checks import check_loop

if TYPE_CHECKING:
    from ._runtime import Runtime
    from ._shutdown import ActorsStop


class Ended:
    """Each waiter has a future of its own, which its cancellation alone cancels: a shared
    one would be cancelled for every waiter by the first that gave up."""

    __slots__ = ("_closing", "_runtime", "_waiters", "ended")

    def __init__(self, runtime: Runtime, closing: Callable[[], bool]) -> None:
        self._runtime = runtime
        self._closing = closing
        """Whether the system's shutdown has begun, whose last step calls `end`."""
        self._waiters: set[asyncio.Future[None]] = set()
        self.ended = False

    async def wait(self) -> None:
        """Ended, it answers anywhere, as a finished task's handle does; else on the system's
        loop only, once it started (before that, no loop is its own yet). An actor's exit
        (`KeyboardInterrupt`, `SystemExit`) is raised to the first waiter, as `shutdown()`
        raises it to an owner waiting for the shutdown the exit began: returning, the waiter
        would let its program run on, the exit pending till a loop callback raised it."""
        if not self.ended:
            await self._until_ended()
        self._runtime.hand_exit_to_owner()

    async def _until_ended(self) -> None:
        runtime = self._runtime
        loop = check_loop(runtime, "wait_stopped")
        if runtime.root is not None and in_an_actor(runtime.root):
            raise RuntimeError(
                f"system.wait_stopped() of actor system {runtime.name!r} was awaited inside one "
                "of its actors (in a hook or handler, or a task it awaits), which would wait "
                "for its own stop: that stop waits for the handler, so it would be forced at "
                "its timeout. Await it in a task of the program, or watch the actors this one "
                "needs (self.watch(ref))"
            )
        waiter = loop.create_future()
        self._waiters.add(waiter)
        try:
            await waiter
        finally:
            self._waiters.discard(waiter)

    def end(self, *_: object) -> None:
        """Called on the system's loop (also as a task's done callback). A waiter on another
        loop (one awaiting before the start, in another thread) is handed to its own loop: a
        future is woken from its loop's thread only; a loop closed since never runs it."""
        self.ended = True
        here = asyncio.get_running_loop()
        for waiter in tuple(self._waiters):  # another thread's waiter may leave meanwhile
            loop = waiter.get_loop()
            if loop is here:
                _wake(waiter)
            else:
                with contextlib.suppress(RuntimeError):  # its loop closed
                    loop.call_soon_threadsafe(_wake, waiter)

    def after_failure(
        self, stop_actors: Callable[[float], ActorsStop | None], timeout: float
    ) -> None:
        """The actors' stop a failure past the root begins ends the waits when it ends: no
        shutdown need follow it."""
        stopping = stop_actors(timeout)
        if stopping is not None:
            stopping.task.add_done_callback(self._failure_stopped)

    def _failure_stopped(self, _: object) -> None:
        """Unless a shutdown began meanwhile (an actor's exit's, the owner's): its waiters
        are woken once it has closed the store and the transports too, and an exit is raised
        to them once the shutdown it began has ended, as `shutdown()` raises it."""
        if self._runtime.exiting is None and not self._closing():
            self.end()


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():  # a waiter cancelled meanwhile
        waiter.set_result(None)
