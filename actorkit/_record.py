"""An actor's record and its synchronous ends: `close` (nothing queued lost, every waiter
answered), `kill`, and the release of its instance. `Lifecycle` (the transitions, run in
the cell's own task) builds on this, and `Cell` on `Lifecycle`; these ends may be called
from any task."""

from __future__ import annotations

import asyncio
import logging
from sys import getrefcount
from types import MethodType
from typing import TYPE_CHECKING, Any

from ._failed_cleanup import kill_below
from ._failure import as_failure
from ._forced_handling import drop_handling
from ._mistaken import returned_by_hook
from ._own_names import class_hook
from ._protocols import KeptContext
from ._ref import HELD_BY_ONE_SLOT, ActorRef
from ._sealed import SEALED_DICT, SEALED_MAILBOX
from ._shown import shown, traced
from ._signals import KILLED, Stop
from ._state import STOPPED, State
from ._watch import end_watches

if TYPE_CHECKING:
    from collections.abc import Callable
    from contextvars import Context

    from ._actor import Actor
    from ._actor_timers import Timers
    from ._cell import Cell
    from ._intensity import Intensity
    from ._mailbox import Mailbox
    from ._runtime import Runtime
    from ._signals import Signal
    from ._stats import ClassStats

logger = logging.getLogger("actorkit")


class HotRecord(KeptContext):
    """The fields the receive loop reads on every wake-up, declared apart so that they share
    the cell's first cache line. CPython lays slots out per class, base first, each class's
    in name order: declared with the rest, they would fall on three lines of five, and a
    wake-up of an actor out of the CPU's caches (a ring of 10,000) would fetch all three."""

    __slots__ = ("closed", "draining", "handling", "instance", "state", "stats")

    state: State
    closed: bool
    draining: bool
    instance: Actor | None
    handling: Any
    """The message (or ask envelope) being handled, for a forced stop to account for."""
    stats: ClassStats | None


class Record(HotRecord):
    """The fields the transitions act on (the rest are declared by `Cell`), and the
    synchronous ends that any task may call."""

    __slots__ = (
        "failures",
        "intensity",
        "ref_",
        "restarts",
        "stop_asked",
        "stop_reason",
        "watchers",
    )

    failures: int
    restarts: int
    intensity: Intensity | None
    stop_asked: bool
    """It called `self.stop()` while its failure was being decided: a resume must not let
    that instance run on (`Lifecycle.resume`)."""
    stop_reason: BaseException | None
    """Why it stopped, once closed; until then, the failure it reported while its
    supervisor has not yet decided on it (`Lifecycle.report`), else None. A stop that gets
    there first (a sibling's restart, a stop from outside, a shutdown) ends it with that."""
    watchers: dict[Cell, None] | None
    ref_: ActorRef | None
    instance: Actor | None  # `HotRecord`'s, declared again for `release_instance`'s swap

    if TYPE_CHECKING:  # the rest of the record the transitions act on, defined by `Cell`
        runtime: Runtime
        parent: Cell | None
        args: tuple[Any, ...]
        kwargs: dict[str, Any]
        name: str
        path: str
        restart: str
        capabilities: frozenset[str]
        context: Context | None
        mailbox: Mailbox
        children: dict[str, Cell]
        incarnation: int
        stop_waiters: list[asyncio.Future[None]] | None
        task: asyncio.Task[None] | None
        timers_: Timers | None
        watching: set[Cell] | None

        @property
        def display_path(self) -> str: ...
        def post(self, signal: Signal) -> None: ...
        async def call(self, signal: Signal) -> None: ...

    @property
    def cell(self) -> Cell:
        """This record as the `Cell` it is: only `Cell` inherits the transitions."""
        return self  # type: ignore[return-value]  # no cast(): close() is on the spawn path

    @property
    def ref(self) -> ActorRef:
        """Minted again for a stopped actor whose ref nobody held (`close` lets that one go,
        so that a stopped cell and its ref are no cycle for the garbage collector)."""
        ref = self.ref_
        if ref is None:
            ref = self.ref_ = ActorRef._mint(self.cell)
        return ref

    @ref.setter
    def ref(self, ref: ActorRef) -> None:
        self.ref_ = ref

    def close(self, reason: BaseException | None) -> None:
        """The synchronous end of an actor: nothing queued is lost, every waiter is answered."""
        if self.closed:
            return
        self.closed = True
        self.state = STOPPED
        if reason is not None:  # else it keeps the failure it reported, if its supervisor
            self.stop_reason = reason  # had not decided yet: it died of that
        runtime = self.runtime
        mailbox = self.mailbox
        parent = self.parent
        adopted = None
        if mailbox.queue or mailbox.blocked or mailbox.granted:
            if mailbox.queue and runtime.heirs:  # a pool's member: its heir may adopt asks
                adopted = self.adoption(())
            # Its asks waiting for room are answered now, but a pool's member's: routed again
            answer = parent not in runtime.heirs
            mailbox.close(self.path, runtime.stop_reason, runtime.dead_letters, answer=answer)
        elif mailbox.waiter is None:  # nothing to reject or wake (a self-stop's): `Mailbox.close`
            mailbox.closed = True  # is its refusal, from now on without its frame and the reason's
            mailbox.limit = 0
        else:  # parked or dormant with nothing to reject (an idle actor's stop): no reason read
            mailbox.close_parked()
        if self.handling is not None:
            drop_handling(self, runtime.stop_reason)
        if mailbox.signals:
            for signal in mailbox.signals:
                signal.abandon()
            mailbox.signals.clear()
        if self.timers_ is not None:  # they hold the cell: kept, a cycle for the collector
            self.timers_.end_all()
            self.timers_ = None  # type: ignore[misc]  # Cell's slot; a new table starts none
        if self.intensity is not None:
            self.intensity.drop_delayed()
        if parent is not None:
            if (children := parent.children).get(name := self.name) is self:
                del children[name]
            if parent.intensity is not None and parent.intensity.delayed:
                parent.intensity.left(self.cell)  # a restart it waited for has one less
        runtime.unregister(self)  # type: ignore[arg-type]  # `cell`, without its call
        if adopted is not None:  # once this child is out of its parent's children
            adopted()
        if self.watching or self.watchers:
            end_watches(self, self.stop_reason)  # type: ignore[arg-type]  # `cell`, no call
        if self.stop_waiters is not None:
            for waiter in self.stop_waiters:
                if not waiter.done():
                    waiter.set_result(None)
        self.context = None  # type: ignore[misc]  # Cell's slot
        # Only a new instance would need them, and none comes: a ref still held (by a user,
        # or a `schedule_once` handle until due) must not keep them in memory.
        self.args, self.kwargs = (), SEALED_DICT  # type: ignore[misc]  # Cell's slots, no call
        if getrefcount(self.ref_) == HELD_BY_ONE_SLOT and type(self.ref_) is ActorRef:
            self.ref_ = None  # nobody holds it: no cell <-> ref cycle left to collect
        if self.task is None:  # dormant, or never started: else its task's end lets go
            self.let_go()

    def let_go(self) -> None:
        """Closed, and no task of its left to run: its queue, signals and children go, each
        replaced by a shared sealed one (`_sealed`), so that a ref held to it keeps the cell,
        the mailbox and their counts only, and the collector walks two objects fewer. Kept
        when anything is left in them (a `kill`'s mark). `_receive.run`'s end writes this out."""
        mailbox = self.mailbox
        if not mailbox.queue and not mailbox.signals and not self.children:
            mailbox.queue, mailbox.signals = SEALED_MAILBOX
            self.children = SEALED_DICT  # type: ignore[misc]  # Cell's slot

    def free_name(self) -> None:
        """Out of its parent's children and the registry ahead of its `close`, which finds
        it gone: a `spawn` cancelled once `on_start` had failed raises while the actor's
        task still stops the children `on_start` began, and the name is free from then on.
        So is what the services that follow its stop hold under it (its persistence id, by
        default its path): a respawn under the name must not find them taken."""
        parent = self.parent
        if parent is not None and parent.children.get(self.name) is self:
            del parent.children[self.name]
        live = self.runtime.live
        if live.get(self.path) is self:
            del live[self.path]
        cell = self.cell
        followers, cell.stop_followers = cell.stop_followers, None
        for follower in followers or ():
            follower(cell)

    def kill(self) -> None:
        """Forced stop past the shutdown timeout: close now, then cancel the task."""
        self.close(None)
        if self.task is not None:  # else the close let its signals go: no loop reads them
            self.mailbox.signals.append(KILLED)
            self.task.cancel()

    def adoption(self, stranded: tuple[Any, ...]) -> Callable[[], None] | None:
        """What the parent's heir (`Runtime.heirs`: a pool) takes of the asks this closing
        child had not begun, queued or `stranded` outside its queue, and routes again once
        the child is gone; None when there is no heir or it takes nothing."""
        parent = self.parent
        heir = None if parent is None else self.runtime.heirs.get(parent)
        return None if heir is None else heir(self.cell, stranded)

    def hand_back(self) -> None:
        """A pool member's unbegun asks go back to its pool as its stop begins and it leaves
        the routing: handed back at `close`, after a slow `on_stop`, they would reach their
        key's next owner behind what their askers sent it meanwhile. Those waiting for room
        or granted a place not taken go back too (`_ref._wait_for_room`), and the sends
        waiting there are dead letters now rather than at `close`. Later ones go at `close`."""
        parent = self.parent
        if parent is None or parent not in self.runtime.heirs:
            return
        self.mailbox.release()
        adopted = self.adoption(())
        if adopted is not None:
            adopted()

    def drain(self) -> None:
        """Begin a draining stop (a shutdown's, a pool's shrink): the queue is handled, then
        the actor stops. Its timers end now, and the system's periodic ones to it: ticks that
        come faster than it handles them would never let its queue empty, and the stop would
        wait for its timeout to be forced. A tick of its own already queued is withdrawn."""
        self.draining = True
        if self.timers_ is not None:
            self.timers_.end_all()
        self.runtime.timers.target_stopped(self.cell)

    def release_instance(self) -> Actor | None:
        """The instance leaves the cell (at most once) and its timers end with it."""
        instance, self.instance = self.instance, None
        if self.timers_ is not None:
            self.timers_.end_all()
        return instance

    def stop_failed(self, error: BaseException, message: object) -> None:
        """A failure no supervisor decides on, while it (leaving a pool), its parent or the system
        stops: logged and counted, and it stops (OTP's draining supervisor restarts nothing)."""
        why = "shutting down" if self.runtime.shutting_down or self.parent is None else "stopping"
        self.undecided_failure(error, message, f"stop ({why})")
        self.mailbox.signals.insert(0, Stop(error))

    def cannot_go_on(self, failure: BaseException, where: object) -> None:
        """Closes it with `failure`, which no supervisor decides on: logged and counted, and
        at the root, the system fails. What its cleanup could not stop is stopped by force,
        as past a shutdown's timeout: nothing outlives its parent."""
        self.undecided_failure(failure, where, "stop (it cannot go on)")
        kill_below(self.cell)
        self.close(failure)
        if self.parent is None:
            self.runtime.on_root_failure(failure, None)

    def undecided_failure(self, error: BaseException, message: object, outcome: str) -> None:
        """A failure no supervisor decides on: counted and reported, with what came of it."""
        self.failures += 1
        self.runtime.instruments.failure(self.cell, error, message, outcome, error.__traceback__)

    async def run_on_stop(self) -> None:
        """Run `on_stop` at most once per instance; its failure is logged, never propagated."""
        instance = self.release_instance()
        if instance is None:
            return
        try:
            hook: Any = instance.on_stop  # typed `-> None`: its result is read
            if type(hook) is not MethodType or hook.__func__ is not type(instance).on_stop:
                hook = class_hook(instance, "on_stop", self.display_path)
            if (returned := await hook()) is not None:
                returned_by_hook(returned, "on_stop", self.display_path)
        except BaseException as error:
            failure = as_failure(error, f"on_stop of {self.display_path}", self.runtime)
            logger.error(
                "on_stop of %s (%s) failed: %s",
                self.display_path,
                type(instance).__name__,
                shown(failure),
                exc_info=traced(failure),
            )
