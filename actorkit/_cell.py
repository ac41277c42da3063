"""The cell: the runtime's record of one actor, its mailbox and its receive loop.

The mailbox is a `deque` plus one waiter future that exists only while the loop is parked:
`tell` is a length check, an append and, when parked, one wake-up. The loop drains with
`popleft()` and parks only when empty, so a busy actor pays no future and no loop round trip
per message. Control signals (stop, restart, failure reports) use a separate short list that
the loop checks between messages, so control never waits behind user traffic.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from time import perf_counter
from typing import TYPE_CHECKING, Any

from ._actor import Actor, _constructing
from ._envelope import TAKEN_BACK, Ask
from ._errors import ActorStopped, NotDelivered
from ._messages import Terminated
from ._supervision import Intensity

if TYPE_CHECKING:
    from collections.abc import Callable

    from ._control import Signal
    from ._stats import ClassStats
    from ._supervision import Strategy
    from ._system import ActorSystem
    from ._timers import Timers

logger = logging.getLogger("actorkit")

# Lifecycle states. Plain strings so that introspection (`/actors`, agents()) can show them.
STARTING = "starting"
RUNNING = "running"
SUSPENDED = "suspended"  # failed; waiting for the parent's decision
RESTARTING = "restarting"  # instance stopped; waiting to be started again
STOPPING = "stopping"
STOPPED = "stopped"

# After this many messages in a row the loop yields once, so one busy actor whose handler
# never awaits cannot starve the others.
BATCH = 128


class Cell:
    __slots__ = (
        "accepted",
        "answered",
        "args",
        "blocked",
        "capabilities",
        "capacity",
        "children",
        "closed",
        "consecutive_failures",
        "crashed",
        "dead_lettered",
        "draining",
        "factory",
        "failures",
        "handling",
        "incarnation",
        "instance",
        "intensity",
        "killed",
        "kwargs",
        "last_failure",
        "loop",
        "mailbox",
        "name",
        "name_counter",
        "parent",
        "path",
        "processed",
        "ref",
        "reserved",
        "restart",
        "restarts",
        "signals",
        "state",
        "stats",
        "stop_reason",
        "stop_waiters",
        "system",
        "task",
        "timers_",
        "waiter",
        "watchers",
        "watching",
    )

    def __init__(
        self,
        system: ActorSystem,
        parent: Cell | None,
        name: str,
        factory: Callable[..., Actor],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        capacity: int,
        restart: str,
    ) -> None:
        self.system = system
        self.loop = system.loop
        self.parent = parent
        self.name = name
        self.path: str = f"{parent.path}/{name}" if parent is not None else ""
        self.factory = factory
        self.args = args
        self.kwargs = kwargs
        self.capacity = capacity
        self.restart = restart
        self.capabilities: frozenset[str] = frozenset()
        self.mailbox: deque[Any] = deque()
        self.blocked: deque[tuple[Any, asyncio.Future[bool] | None]] | None = None
        self.reserved = 0  # places granted to waiting senders that have not appended yet
        self.signals: list[Signal] = []
        self.waiter: asyncio.Future[None] | None = None
        self.instance: Actor | None = None
        self.state = STARTING
        self.closed = False
        self.draining = False
        self.killed = False
        self.children: dict[str, Cell] = {}
        self.name_counter = 0
        self.watchers: set[Cell] | None = None
        self.watching: set[Cell] | None = None
        # The accounting invariant: accepted == processed + crashed + dead_lettered + queued
        # (+1 while a message is being handled). Nothing accepted is lost silently.
        self.accepted = 0
        self.processed = 0
        self.crashed = 0
        self.dead_lettered = 0
        self.failures = 0
        self.restarts = 0
        self.incarnation = 0
        self.intensity: Intensity | None = None
        self.consecutive_failures = 0
        self.last_failure = 0.0
        self.stop_reason: BaseException | None = None
        self.stop_waiters: list[asyncio.Future[None]] = []
        self.task: asyncio.Task[None] | None = None
        self.timers_: Timers | None = None
        self.handling: Any = None
        self.answered: float | None = None
        """When the ask answered last in the current batch was made; timed at the batch's end."""
        self.stats: ClassStats | None = None
        self.ref = ActorRef(self)

    # --- instances ----------------------------------------------------------------------
    def make_instance(self) -> Actor:
        token = _constructing.set(self)
        try:
            instance = self.factory(*self.args, **self.kwargs)
        finally:
            _constructing.reset(token)
        if not isinstance(instance, Actor):
            raise TypeError(
                f"factory {self.factory!r} returned {type(instance).__name__}, not an Actor; "
                "pass an Actor subclass or a callable that returns an Actor instance"
            )
        instance._cell = self
        self.incarnation += 1
        return instance

    async def run_on_stop(self) -> None:
        """Run `on_stop` at most once per instance; its failure is logged, never propagated."""
        instance, self.instance = self.instance, None
        if self.timers_ is not None:
            self.timers_.cancel_all()
        if instance is None:
            return
        try:
            await instance.on_stop()
        except Exception:
            logger.exception(
                "on_stop of %s (%s) failed", self.display_path, type(instance).__name__
            )

    def strategy(self) -> Strategy:
        if self.parent is None:
            return self.system.root_strategy
        found = getattr(self.instance, "supervisor_strategy", None)
        if found is None:
            found = getattr(self.factory, "supervisor_strategy", None)
        return found if found is not None else self.system.default_strategy

    @property
    def class_name(self) -> str:
        if self.instance is not None:
            return type(self.instance).__name__
        if self.stats is not None:
            return self.stats.name
        return getattr(self.factory, "__name__", type(self.factory).__name__)

    @property
    def display_path(self) -> str:
        return self.path or "/"

    @property
    def timers(self) -> Timers:
        if self.timers_ is None:
            from ._timers import Timers

            self.timers_ = Timers(self)
        return self.timers_

    # --- mailbox ------------------------------------------------------------------------
    def enqueue(self, message: Any) -> None:
        self.accepted += 1
        self.mailbox.append(message)
        waiter = self.waiter
        if waiter is not None:
            self.waiter = None
            if not waiter.done():
                waiter.set_result(None)

    def deliver(self, message: Any) -> None:
        """Runtime-originated messages (`Terminated`) bypass the bound: they must not be lost."""
        if self.closed:
            self.system.dead_letters.add(message, self.path, "stopped")
        else:
            self.enqueue(message)

    def post(self, signal: Signal) -> None:
        self.signals.append(signal)
        waiter = self.waiter
        if waiter is not None:
            self.waiter = None
            if not waiter.done():
                waiter.set_result(None)

    async def call(self, signal: Signal) -> None:
        """Post a control signal and wait until the cell has carried it out (or is gone)."""
        if self.closed:
            return
        done = self.loop.create_future()
        signal.done = done
        self.post(signal)
        await done

    def block(self, message: Any, room: asyncio.Future[bool] | None) -> None:
        if self.blocked is None:
            self.blocked = deque()
        self.blocked.append((message, room))

    def _admit(self) -> None:
        """Let waiting senders into freed room, skipping those that gave up meanwhile. A
        `send` is granted a place and appends its message itself when it wakes, as
        `asyncio.Queue.put` does, so a send cancelled in that same loop turn (an
        `asyncio.timeout` firing) delivers nothing; a waiting ask is moved in at once."""
        blocked = self.blocked
        mailbox = self.mailbox
        assert blocked is not None
        while blocked and len(mailbox) + self.reserved < self.capacity:
            message, room = blocked.popleft()
            if room is not None:
                if not room.done():
                    room.set_result(True)
                    self.reserved += 1
                continue
            if message.future.done():
                continue
            self.accepted += 1
            mailbox.append(message)

    # --- the receive loop -----------------------------------------------------------------
    async def main(self, started: asyncio.Future[None] | None) -> None:
        try:
            if started is not None:
                instance = self.instance
                assert instance is not None
                try:
                    await instance.on_start()
                except Exception as error:
                    self.instance = None
                    self.close(error, quiet=True)
                    if not started.done():
                        started.set_exception(error)
                    return
                if not started.done():
                    started.set_result(None)
            if self.state == STARTING:
                self.state = RUNNING
            await self._loop()
        except asyncio.CancelledError:
            if not self.closed:
                self.close(None)
            if started is not None and not started.done():
                # Cancelled in `on_start` (a forced shutdown): `spawn` must not wait forever.
                started.set_exception(
                    ActorStopped(f"{self.display_path} was stopped before on_start finished")
                )
            raise
        finally:
            if self.killed and self.instance is not None:
                await self.run_on_stop()

    async def _loop(self) -> None:
        signals = self.signals
        mailbox = self.mailbox
        while True:
            if signals:
                await signals.pop(0).run(self)
                if self.closed:
                    return
            elif mailbox and self.state == RUNNING:
                stats = self.stats
                if stats is None:
                    handled = await self._drain()
                else:
                    # Timed per drained batch, each message observed at the batch mean
                    # (docs/observability.md); inlined, as this runs once per batch. The
                    # batch's end reading also closes the ask answered last in it, so a
                    # sequential ask costs three clock readings instead of four.
                    started = perf_counter()
                    handled = await self._drain()
                    ended = perf_counter()
                    if handled:
                        seconds = ended - started
                        mean = seconds if handled == 1 else seconds / handled
                        histogram = stats.processing
                        bounds = histogram.bounds
                        i = 0
                        while mean > bounds[i]:
                            i += 1
                        histogram.counts[i] += handled
                        histogram.sum += seconds
                    answered = self.answered
                    if answered is not None:  # `ClassStats.ask_answered`, inlined
                        self.answered = None
                        seconds = ended - answered
                        histogram = stats.ask_seconds
                        bounds = histogram.bounds
                        i = 0
                        while seconds > bounds[i]:
                            i += 1
                        histogram.counts[i] += 1
                        histogram.sum += seconds
                if handled == BATCH:
                    await asyncio.sleep(0)
            elif self.draining and self.state == RUNNING:
                await self.finalize(None)
                return
            else:
                self.waiter = waiter = self.loop.create_future()
                await waiter
                if self.closed:
                    return

    async def _drain(self) -> int:
        """Handle queued messages until a signal arrives or the batch budget runs out; returns
        how many were handled successfully (`BATCH` when the budget ran out)."""
        mailbox = self.mailbox
        signals = self.signals
        instance = self.instance
        assert instance is not None
        receive = instance.receive
        stats = self.stats
        budget = BATCH
        while mailbox and not signals:
            message = mailbox.popleft()
            if self.blocked:
                self._admit()
            if type(message) is Ask:
                future = message.future
                self.handling = message
                try:
                    result = await receive(message.message)
                except Exception as error:
                    self.handling = None
                    if not future.done():
                        future.set_exception(error)
                    self.failed(error, message.message)
                    return BATCH - budget
                self.handling = None
                if not future.done():
                    future.set_result(result)
                    asked = message.started
                    if asked is not None and stats is not None:  # None: a task, or no metrics
                        # An ask is timed until its reply is ready. The last message of a
                        # batch waits for the batch's end reading (`_loop`); one with more
                        # messages behind it reads the clock now.
                        if mailbox and budget > 1 and not signals:
                            stats.ask_answered(perf_counter() - asked)
                        else:
                            self.answered = asked
            else:
                self.handling = message
                try:
                    await receive(message)
                except Exception as error:
                    self.handling = None
                    self.failed(error, message)
                    return BATCH - budget
                self.handling = None
            self.processed += 1
            budget -= 1
            if not budget:
                break
        if self.closed:
            # A forced stop cut into the handler, which swallowed the cancellation and
            # returned: close() already accounted that message as a dead letter.
            self.processed -= 1
            return BATCH - budget - 1
        return BATCH - budget

    def failed(self, error: BaseException, message: object) -> None:
        """Report a handler failure to the parent, who decides; stop at once while stopping."""
        if self.closed:
            # A forced stop cut into the handler, which raised instead of ending: its message
            # is already a dead letter and nobody is left to supervise it.
            crash_report(self, error, message, "none (already stopped)")
            return
        self.failures += 1
        self.crashed += 1
        parent = self.parent
        if self.draining or parent is None or parent.state in (STOPPING, STOPPED):
            crash_report(self, error, message, "stop (shutting down)")
            self.signals.insert(0, Stop(error))
            return
        self.state = SUSPENDED
        parent.post(ChildFailed(self, self.incarnation, error, message))

    # --- stopping -----------------------------------------------------------------------
    def request_self_stop(self) -> None:
        self.post(SelfStop())

    async def stop_from_outside(self) -> None:
        if self.closed:
            return
        if asyncio.current_task() is self.task:
            # Called from inside the actor: waiting here would wait on ourselves.
            self.post(Stop(None))
            return
        await self.call(Stop(None))

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
        return (
            self.waiter is not None
            and not self.mailbox
            and not self.signals
            and not self.children
            and not self.timers_
            and self.state == RUNNING
            and instance is not None
            and type(instance).on_stop is Actor.on_stop
        )

    async def finalize(self, reason: BaseException | None) -> None:
        self.state = STOPPING
        await self.stop_children(drain=self.draining)
        await self.run_on_stop()
        self.close(reason)

    def close(self, reason: BaseException | None, *, quiet: bool = False) -> None:
        """The synchronous end of an actor: nothing queued is lost, every waiter is answered."""
        if self.closed:
            return
        self.closed = True
        self.state = STOPPED
        self.stop_reason = reason
        system = self.system
        why = "shutdown" if system.shutting_down else "stopping"
        dead = system.dead_letters
        path = self.path
        handling = self.handling
        if handling is not None:
            # Only a forced stop ends an actor in the middle of a handler: that message is
            # lost to the actor, so it is accounted as a dead letter and its asker answered.
            self.handling = None
            self.dead_lettered += 1
            if type(handling) is Ask:
                if not handling.future.done():
                    handling.future.set_exception(
                        ActorStopped(f"{path} was stopped while handling it")
                    )
                dead.add(handling.message, path, why)
            else:
                dead.add(handling, path, why)
        for message in self.mailbox:
            _reject(message, path, why, dead)
        self.dead_lettered += len(self.mailbox)
        self.mailbox.clear()
        if self.blocked:
            for message, room in self.blocked:
                if room is not None:
                    if not room.done():
                        # Not granted: the sender records the dead letter when it wakes,
                        # unless it gave up in that same turn (then it left nothing).
                        room.set_result(False)
                else:
                    _reject(message, path, why, dead)
            self.blocked.clear()
        for signal in self.signals:
            signal.finish()
        self.signals.clear()
        if self.timers_ is not None:
            self.timers_.cancel_all()
        parent = self.parent
        if parent is not None and parent.children.get(self.name) is self:
            del parent.children[self.name]
        system.unregister(self)
        if self.watching:
            for watched in self.watching:
                if watched.watchers:
                    watched.watchers.discard(self)
        if self.watchers:
            terminated = Terminated(self.ref, reason)
            for watcher in self.watchers:
                if watcher.watching:  # the watch ends here: keep no stopped cell alive
                    watcher.watching.discard(self)
                if not quiet:
                    watcher.deliver(terminated)
            self.watchers = None
        for waiter in self.stop_waiters:
            if not waiter.done():
                waiter.set_result(None)
        parked = self.waiter
        if parked is not None and not parked.done():
            parked.set_result(None)

    def kill(self) -> None:
        """Forced stop past the shutdown timeout: close now, then cancel the task."""
        self.killed = True
        self.close(None)
        self.signals.append(KILLED)
        if self.task is not None:
            self.task.cancel()

    # --- death watch --------------------------------------------------------------------
    def watch(self, target: Cell) -> None:
        if target is self:
            raise ValueError("an actor cannot watch itself")
        if target.closed:
            self.deliver(Terminated(target.ref, target.stop_reason))
            return
        if target.watchers is None:
            target.watchers = set()
        target.watchers.add(self)
        if self.watching is None:
            self.watching = set()
        self.watching.add(target)

    def unwatch(self, target: Cell) -> None:
        if target.watchers:
            target.watchers.discard(self)
        if self.watching:
            self.watching.discard(target)

    @property
    def parked(self) -> bool:
        return self.waiter is not None and not self.mailbox and not self.signals

    def child_refs(self) -> list[ActorRef]:
        return [child.ref for child in self.children.values()]


def _reject(message: Any, path: str, why: str, dead: Any) -> None:
    if type(message) is Ask:
        if not message.future.done():
            message.future.set_exception(NotDelivered(f"{path} stopped before handling the ask"))
        if message.timeout != TAKEN_BACK:  # a task goes back to the queue: not a dead letter
            dead.add(message.message, path, why)
    else:
        dead.add(message, path, why)


def crash_report(cell: Cell, error: BaseException, message: object, decision: str) -> None:
    """One structured record per failure, in the spirit of OTP's crash reports."""
    actor_class = cell.class_name
    logger.error(
        "actor %s (%s) failed handling %s: %r; supervisor decided: %s",
        cell.display_path,
        actor_class,
        type(message).__name__,
        error,
        decision,
        exc_info=error,
        extra={
            "actor_path": cell.display_path,
            "actor_class": actor_class,
            "message_type": type(message).__name__,
            "directive": decision,
        },
    )


# Imported last: the signals need `Cell` defined, and the cell sends signals.
from ._control import KILLED, ChildFailed, SelfStop, Stop  # noqa: E402
from ._ref import ActorRef  # noqa: E402
