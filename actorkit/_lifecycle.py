"""Every lifecycle transition of an actor, one method each, in one place.

`Cell` (the runtime's record of an actor) inherits these; nothing else writes `state`. Signals
(`_signals`) and the receive loop (`_receive`) call them in the cell's own task; `close` and
`kill` are the synchronous ends that any task may call.
"""

from __future__ import annotations

import asyncio
import logging
from sys import getrefcount
from typing import TYPE_CHECKING, Any

from ._actor import Actor
from ._envelope import Ask
from ._errors import ActorStopped
from ._failure import as_failure
from ._ref import HELD_BY_ONE_SLOT, ActorRef
from ._signals import KILLED, Stop
from ._state import ENDING, RESTARTING, RUNNING, STARTING, STOPPED, STOPPING, SUSPENDED, State
from ._supervise import ChildFailed
from ._watch import end_watches

if TYPE_CHECKING:
    from ._cell import Cell
    from ._mailbox import Mailbox
    from ._runtime import Runtime
    from ._signals import Signal
    from ._supervision import Intensity
    from ._timers import Timers

logger = logging.getLogger("actorkit")


class Lifecycle:
    """The transitions; the record they act on is `Cell`, which declares the slots."""

    __slots__ = (
        "_ref",
        "closed",
        "draining",
        "failures",
        "handling",
        "instance",
        "intensity",
        "killed",
        "restarts",
        "state",
        "stop_reason",
        "watchers",
    )

    state: State
    closed: bool
    draining: bool
    killed: bool
    failures: int
    restarts: int
    instance: Actor | None
    intensity: Intensity | None
    stop_reason: BaseException | None
    handling: Any
    """The message (or ask envelope) being handled, for a forced stop to account for."""
    watchers: set[Cell] | None
    _ref: ActorRef | None

    if TYPE_CHECKING:  # the rest of the record the transitions act on, defined by `Cell`
        runtime: Runtime
        parent: Cell | None
        name: str
        path: str
        restart: str
        mailbox: Mailbox
        children: dict[str, Cell]
        incarnation: int
        stop_waiters: list[asyncio.Future[None]] | None
        task: asyncio.Task[None] | None
        timers_: Timers | None
        watching: set[Cell] | None

        @property
        def display_path(self) -> str: ...
        def make_instance(self) -> Actor: ...
        def post(self, signal: Signal) -> None: ...
        async def call(self, signal: Signal) -> None: ...
        def deliver(self, message: Any) -> None: ...

    @property
    def cell(self) -> Cell:
        """This record as the `Cell` it is: only `Cell` inherits the transitions."""
        return self  # type: ignore[return-value]  # no cast(): close() is on the spawn path

    # --- starting -------------------------------------------------------------------------
    def started(self) -> None:
        if self.state == STARTING:
            self.state = RUNNING

    async def start_instance(self) -> None:
        """Second half of a restart: a fresh instance from the factory, then `on_start`."""
        if self.state != RESTARTING:
            return
        try:
            self.instance = self.make_instance()
            await self.instance.on_start()
        except BaseException as error:
            self.report(as_failure(error, f"on_start of {self.display_path}"), None)
            return
        self.state = RUNNING
        self.restarts += 1
        self.runtime.instruments.restarted(self.cell)

    # --- failing --------------------------------------------------------------------------
    @property
    def unsupervised_children(self) -> bool:
        """Stopping or draining: a child's failure or exit can only end in its stop."""
        return self.draining or self.state in ENDING

    def failed(self, error: BaseException, message: object) -> None:
        """A handler failed: report to the parent, who decides; stop at once while stopping."""
        if self.closed:
            # A forced stop cut into the handler, which raised instead of ending: its message
            # is already a dead letter and nobody is left to supervise it.
            self.runtime.instruments.crashed(self.cell, error, message, "none (already stopped)")
            return
        self.mailbox.crashed += 1
        parent = self.parent
        if self.draining or parent is None or parent.unsupervised_children:
            self.failures += 1
            self.runtime.instruments.crashed(self.cell, error, message, "stop (shutting down)")
            self.mailbox.signals.insert(0, Stop(error))
            return
        self.report(error, message)

    def report(self, error: BaseException | None, message: object) -> None:
        """Suspend and tell the parent: a failure (`error`) or a normal exit (None)."""
        assert self.parent is not None
        if error is not None:
            self.failures += 1
        self.state = SUSPENDED
        self.parent.post(ChildFailed(self.cell, self.incarnation, error, message))

    def resume(self) -> None:
        if self.state == SUSPENDED and self.instance is not None:
            self.state = RUNNING
            self.runtime.instruments.resumed(self.cell)

    async def stop_instance(self) -> None:
        """First half of a restart: children, timers and `on_stop` of the current instance."""
        if self.closed:
            return
        self.state = RESTARTING
        await self.stop_children()
        await self.run_on_stop()
        self.intensity = None  # as in OTP, a restarted supervisor starts with a clean slate

    # --- stopping -------------------------------------------------------------------------
    async def stop(self, reason: BaseException | None, *, drain: bool) -> None:
        """Stop for good; with `drain` (shutdown), handle the queued messages first."""
        if self.state in ENDING:
            return
        if drain and self.state == RUNNING and self.instance is not None:
            if not self.draining:
                self.draining = True
                await self.stop_children(drain=True)
            return
        await self.finalize(reason)

    async def stop_self(self) -> None:
        """`self.stop()`: a normal exit, restarted by the parent only if `permanent`. Any
        other child can only end in a stop (`decide`), so it stops without the round trip
        through its parent's decision (three signals, per child, in `fib`-shaped trees)."""
        if self.state != RUNNING:
            return
        parent = self.parent
        if (
            self.draining
            or parent is None
            or parent.unsupervised_children
            or self.restart != "permanent"
        ):
            await self.finalize(None)
        else:
            self.report(None, None)

    async def stop_children(self, *, drain: bool = False) -> None:
        """Children before parents, in reverse start order (OTP)."""
        for child in reversed(list(self.children.values())):
            if child.idle_leaf:
                child.close(None)  # nothing to run in its task: no loop round trip per child
            else:
                await child.call(Stop(None, drain=drain))

    @property
    def idle_leaf(self) -> bool:
        """Parked, childless, nothing queued or timed, and no `on_stop` to run: stopping it
        is just closing it, which mass shutdowns of idle actors depend on for speed."""
        instance = self.instance
        mailbox = self.mailbox
        return (
            mailbox.waiter is not None
            and not mailbox.queue
            and not mailbox.signals
            and not self.children
            and not self.timers_
            and self.state == RUNNING
            and instance is not None
            and type(instance).on_stop is Actor.on_stop
        )

    async def finalize(self, reason: BaseException | None) -> None:
        self.state = STOPPING
        if self.children:
            await self.stop_children(drain=self.draining)
        instance = self.instance
        if instance is not None and type(instance).on_stop is not Actor.on_stop:
            await self.run_on_stop()
        else:  # nothing to await: no coroutine (a temporary child's stop, in `fib` trees)
            self.release_instance()
        self.close(reason)

    def close(self, reason: BaseException | None, *, quiet: bool = False) -> None:
        """The synchronous end of an actor: nothing queued is lost, every waiter is answered."""
        if self.closed:
            return
        self.closed = True
        self.state = STOPPED
        self.stop_reason = reason
        runtime = self.runtime
        why = "shutdown" if runtime.shutting_down else "stopping"
        mailbox = self.mailbox
        mailbox.close(self.path, why, runtime.dead_letters)
        if self.handling is not None:
            self._drop_handling(why)
        if mailbox.signals:
            for signal in mailbox.signals:
                signal.finish()
            mailbox.signals.clear()
        if self.timers_ is not None:
            self.timers_.cancel_all()
        parent = self.parent
        if parent is not None and parent.children.get(self.name) is self:
            del parent.children[self.name]
        runtime.unregister(self.cell)
        if self.watching or self.watchers:
            end_watches(self.cell, reason, quiet)
        if self.stop_waiters is not None:
            for waiter in self.stop_waiters:
                if not waiter.done():
                    waiter.set_result(None)
        if getrefcount(self._ref) == HELD_BY_ONE_SLOT and type(self._ref) is ActorRef:
            self._ref = None  # nobody holds it: no cell <-> ref cycle left to collect

    def _drop_handling(self, why: str) -> None:
        """Only a forced stop ends an actor in the middle of a handler: that message is lost
        to the actor, so it is accounted as a dead letter and its asker answered."""
        handling: Any = self.handling
        self.handling = None
        self.mailbox.dead_lettered += 1
        message = handling
        if type(handling) is Ask:
            if not handling.future.done():
                handling.future.set_exception(
                    ActorStopped(f"{self.path} was stopped while handling it")
                )
            message = handling.message
        self.runtime.dead_letters.add(message, self.path, why)

    def kill(self) -> None:
        """Forced stop past the shutdown timeout: close now, then cancel the task."""
        self.killed = True
        self.close(None)
        self.mailbox.signals.append(KILLED)
        if self.task is not None:
            self.task.cancel()

    def release_instance(self) -> Actor | None:
        """The instance leaves the cell (at most once) and its timers end with it."""
        instance, self.instance = self.instance, None
        if self.timers_ is not None:
            self.timers_.cancel_all()
        return instance

    async def run_on_stop(self) -> None:
        """Run `on_stop` at most once per instance; its failure is logged, never propagated."""
        instance = self.release_instance()
        if instance is None:
            return
        try:
            await instance.on_stop()
        except BaseException as error:
            failure = as_failure(error, f"on_stop of {self.display_path}")
            logger.error(
                "on_stop of %s (%s) failed: %r",
                self.display_path,
                type(instance).__name__,
                failure,
                exc_info=failure,
            )
