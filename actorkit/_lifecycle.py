"""Every lifecycle transition of an actor, one method each, in one place.

`Cell` (the runtime's record of an actor) inherits these; nothing else writes `state`. Signals
(`_signals`) and the receive loop (`_receive`) call them in the cell's own task; the
synchronous ends that any task may call (`close`, `kill`) are in `_record`, the cleanup after
a signal whose transition raised in `_signal_failure`.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

from ._actor import NO_ON_STOP, Actor
from ._cut import failed_while_cut, stop_child
from ._mistaken import returned_by_hook
from ._record import Record
from ._restart_steps import close_unrestarted, instance_ended, renew, start_failed
from ._signals import SELF_STOP, Stop
from ._state import ENDING, RESTARTING, RUNNING, STARTING, STOPPING, SUSPENDED, State
from ._supervise import ChildFailed
from ._watch import unwatch_below, unwatch_children
from ._withdraw import resweep


class Lifecycle(Record):
    """The transitions."""

    __slots__ = ()

    # `Record`'s, declared again where `+=` writes them: pyright infers them unbound here else
    failures: int
    restarts: int

    # --- starting -------------------------------------------------------------------------
    def started(self) -> None:
        if self.state is STARTING:
            self.state = RUNNING
            if self.capabilities:  # an agent takes tasks from the end of its `on_start`
                self.runtime.instruments.agent_started(self.cell)

    async def start_instance(self) -> None:
        """Second half of a restart: a fresh instance from the factory, then `on_start`."""
        if self.state is not RESTARTING:
            return
        try:
            hook: Any = renew(self.cell).on_start  # typed `-> None`: its result is read
            if (returned := await hook()) is not None:
                returned_by_hook(returned, "on_start", self.display_path)
        except BaseException as error:
            await start_failed(self.cell, error)
            return
        if self.closed:  # a forced stop cut into `on_start`, which swallowed its cancellation
            return
        self.restarted()

    def restarted(self) -> None:
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
            self.runtime.instruments.failure(
                self.cell, error, message, "none (already stopped)", error.__traceback__
            )
            return
        if self.runtime.cuts and failed_while_cut(self.cell, error, message):
            return
        self.mailbox.crashed += 1
        resweep(self.mailbox)  # its message left the queue without counting down the loop's reach
        parent = self.parent
        if SELF_STOP in self.mailbox.signals and self.exit_is_stop:
            # It asked to stop before failing: the stop wins, as in Akka. The failure is
            # logged and counted, and the queued stop ends the actor.
            self.undecided_failure(error, message, "stop (it stopped itself)")
            return
        if (
            self.draining
            or parent is None
            or parent.unsupervised_children
            or self.runtime.exiting is not None
        ):
            self.stop_failed(error, message)
            return
        self.report(error, message)

    def report(
        self, error: BaseException | None, message: object, traceback: TracebackType | None = None
    ) -> None:
        """Suspend and tell the parent: a failure (`error`) or a normal exit (None);
        `traceback` as in `ChildFailed`."""
        assert self.parent is not None
        if error is not None:
            self.failures += 1
        self.state = SUSPENDED
        self.stop_reason = error
        if self.capabilities:
            self.runtime.instruments.agent_paused(self.cell)
        self.parent.mailbox.post(
            ChildFailed(self.cell, self.incarnation, error, message, traceback)
        )

    def resume(self) -> None:
        """`resumed` is told last, once the instance is settled: an agent with its
        `self.stop()` queued then shows it, and is handed no task the stop would take back."""
        if self.state is SUSPENDED and self.instance is not None:
            self.state = RUNNING
            self.stop_reason = None
            if self.intensity is not None and self.intensity.parked:
                self.intensity.unpark(self.cell)
            if self.stop_asked:  # its `self.stop()` is carried out now, before any message
                self.stop_asked = False
                self.mailbox.signals.insert(0, SELF_STOP)
            self.runtime.instruments.resumed(self.cell)

    async def stop_instance(self, *, within: float | None = None) -> None:
        """First half of a restart: children, timers and `on_stop` of the current instance;
        `within`: a cut's (`_cut`), whose bound each child's stop has too."""
        if SELF_STOP in self.mailbox.signals and self.exit_is_stop:
            # It asked to stop after a sibling's restart reached it: a normal exit of any
            # but a `permanent` child ends it (OTP), so the stop wins over the restart.
            await self.finalize(None)
            return
        self.begin_restart()
        await self.end_instance(within=within)
        instance_ended(self.cell)

    def begin_restart(self) -> None:
        """The instance ends for a restart: an agent takes no task until the new one runs."""
        self.state = RESTARTING
        self.stop_reason = None
        self.stop_asked = False
        if self.capabilities:
            self.runtime.instruments.agent_paused(self.cell)

    async def end_instance(self, *, within: float | None = None) -> None:
        """Children, then `on_stop` (OTP). A child spawned meanwhile by a task the instance
        left running (only `on_stop` takes the instance, the end of spawns) goes with it."""
        await self.stop_children(within=within)
        await self.run_on_stop()
        if self.children:
            await self.stop_children(within=within)

    # --- stopping -------------------------------------------------------------------------
    async def stop(self, reason: BaseException | None, *, drain: bool) -> None:
        """Stop for good; with `drain` (shutdown), handle the queued messages first: the
        receive loop drains this mailbox while the children still run (what it forwards to
        them is handled, not dead-lettered), then stops them, draining theirs, then drains
        again what they sent meanwhile, and only then finalizes."""
        if drain:
            if self.state is RUNNING:
                self.drain()
                return
            if self.state is RESTARTING:
                close_unrestarted(self.cell, reason)
                return
        await self.finalize(reason)

    async def stop_self(self) -> None:
        """`self.stop()`: a normal exit, restarted by the parent only if `permanent`. Asked
        while its failure is being decided, it waits for the decision: a restart or a stop
        ends this instance anyway, a resume carries it out (`resume`)."""
        if self.state is not RUNNING:
            if self.state is SUSPENDED:
                self.stop_asked: bool = True
            return
        if self.exit_is_stop:
            await self.finalize(None)
        else:
            self.report(None, None)

    @property
    def exit_is_stop(self) -> bool:
        """A normal exit of any child but a supervised `permanent` one can only end in a stop
        (`decide`): it stops without the round trip through its parent's decision (three
        signals, per child, in `fib`-shaped trees)."""
        parent = self.parent
        return (
            self.restart != "permanent"
            or self.draining
            or parent is None
            or parent.unsupervised_children
        )

    def exit_at_once(self) -> bool:
        """`stop_self` without a coroutine, when it has nothing to await: no children and no
        `on_stop`. True if the actor is closed. It carries out the `SELF_STOP` at the head of
        its signals, which leaves them first: `close` has none to abandon in the common case."""
        instance = self.instance
        if (
            self.state is not RUNNING
            or self.children
            or self in self.runtime.cleaning_below  # a cancelled spawn's cleanup below it
            or instance is None
            or type(instance).on_stop is not NO_ON_STOP
            or (self.restart == "permanent" and not self.exit_is_stop)  # else no call
        ):
            return False
        del self.mailbox.signals[0]
        self.instance: Actor | None = None  # `close_without_hooks`, without its frame
        self.close(None)
        return True

    async def stop_children(self, *, drain: bool = False, within: float | None = None) -> None:
        """Children before parents, in reverse start order (OTP); each waited for `within`
        seconds at most, if given (a supervisor's shutdown time), then cut. Also those of a
        child whose spawn was cancelled, which its task stops out of the tree (`Cell.start`)."""
        if not drain and self.watching:  # for good, all below it; for a restart, its children
            (unwatch_below if self.state is STOPPING else unwatch_children)(self.cell)
        for child in reversed(list(self.children.values())):
            if child.idle_leaf:
                child.close_without_hooks()
            else:
                await stop_child(child, Stop(None, drain=drain), within)
        runtime = self.runtime
        if self in runtime.cleaning_below:  # its kids, and those of a cancelled spawn of theirs
            for left in [cell for cell in runtime.unwinding.values() if cell.parent is self]:
                await left.stop_children(drain=drain, within=within)

    @property
    def idle_leaf(self) -> bool:
        """Parked, childless, nothing queued (nor granted to a waiting sender), and no
        `on_stop` to run: stopping it is just closing it, which mass shutdowns of idle
        actors depend on for speed. Its timers end as its close ends them in its task."""
        instance = self.instance
        mailbox = self.mailbox
        return (
            mailbox.waiter is not None
            and instance is not None
            and type(instance).on_stop is NO_ON_STOP  # early: the parked actor it fails
            and not mailbox.queue
            and not mailbox.reserved
            and not mailbox.signals
            and not self.children
            and self not in self.runtime.cleaning_below  # no cancelled spawn's cleanup below
            and self.state is RUNNING
        )

    def close_without_hooks(self) -> None:
        """The stop of an actor with no children and no `on_stop`: nothing to await, so no
        coroutine and no loop round trip (mass stops of idle actors and `fib`-shaped trees
        depend on it). `close` ends its timers."""
        self.instance = None
        self.close(None)

    def stop_at_once(self, stop: Stop) -> bool:
        """`Stop.run`, without it and the two coroutines it awaits, if it has none to await
        (as `exit_at_once`): concurrent stops of busy actors pay for each. True if closed."""
        instance = self.instance
        if stop.drain or self.children or self in self.runtime.cleaning_below:
            return False
        if instance is not None and type(instance).on_stop is not NO_ON_STOP:
            return False
        del self.mailbox.signals[0]
        self.stopping()
        self.instance = None  # `release_instance`, without its frame: `close` ends the timers
        self.close(stop.reason)
        stop.finish()
        return True

    def stopping(self) -> None:
        self.state: State = STOPPING
        if self.capabilities:  # an agent: the task layer takes back a task it has not begun
            self.runtime.instruments.agent_paused(self.cell)
        mailbox = self.mailbox
        if (mailbox.queue or mailbox.blocked or mailbox.granted) and self.runtime.heirs:
            self.hand_back()
        mailbox.seal(self.path)  # it handles nothing more: nobody waits for room in it

    async def finalize(self, reason: BaseException | None, *, within: float | None = None) -> None:
        self.stopping()
        # It handles nothing more: a tick sent now would be a dead letter (ended as at a drain).
        self.runtime.timers.target_stopped(self.cell)
        if self.children or self in self.runtime.cleaning_below:
            await self.stop_children(drain=self.draining, within=within)
        if (instance := self.instance) is not None and type(instance).on_stop is not NO_ON_STOP:
            await self.run_on_stop()
        else:  # nothing to await: no coroutine (a temporary child's stop, in `fib` trees)
            self.release_instance()
        self.close(reason)
