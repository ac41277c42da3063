"""The cell: the runtime's record of one actor. The `ActorRef` is a thin handle on it, so a
ref survives restarts: a restart swaps the instance, never the cell or its mailbox.

What the cell does is in its rooms: the mailbox (`_mailbox`), the lifecycle transitions
(`_lifecycle`, inherited), the receive loop (`_receive`) and supervision (`_supervise`).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from ._actor import Actor, _constructing
from ._lifecycle import Lifecycle
from ._mailbox import Mailbox
from ._messages import Terminated
from ._ref import ActorRef
from ._signals import SelfStop, Stop
from ._state import State

if TYPE_CHECKING:
    from collections.abc import Callable

    from ._runtime import Runtime
    from ._signals import Signal
    from ._stats import ClassStats
    from ._supervision import Intensity, Strategy
    from ._timers import Timers


class Cell(Lifecycle):
    __slots__ = (
        "answered",
        "args",
        "capabilities",
        "children",
        "consecutive_failures",
        "factory",
        "incarnation",
        "kwargs",
        "last_failure",
        "mailbox",
        "name",
        "name_counter",
        "parent",
        "path",
        "ref",
        "restart",
        "runtime",
        "stats",
        "stop_waiters",
        "task",
        "timers_",
        "watching",
    )

    def __init__(
        self,
        runtime: Runtime,
        parent: Cell | None,
        name: str,
        factory: Callable[..., Actor],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        capacity: int,
        restart: str,
    ) -> None:
        self.runtime = runtime
        self.parent = parent
        self.name = name
        self.path: str = f"{parent.path}/{name}" if parent is not None else ""
        self.factory = factory
        self.args = args
        self.kwargs = kwargs
        self.restart = restart
        self.capabilities: frozenset[str] = frozenset()
        self.mailbox = Mailbox(capacity)
        self.instance: Actor | None = None
        self.state = State.STARTING
        self.closed = False
        self.draining = False
        self.killed = False
        self.children: dict[str, Cell] = {}
        self.name_counter = 0
        self.watchers: set[Cell] | None = None
        self.watching: set[Cell] | None = None
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
        self.ref = ActorRef._mint(self)

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

    def strategy(self) -> Strategy:
        if self.parent is None:
            return self.runtime.root_strategy
        found = getattr(self.instance, "supervisor_strategy", None)
        if found is None:
            found = getattr(self.factory, "supervisor_strategy", None)
        return found if found is not None else self.runtime.default_strategy

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

    # --- messages from the runtime ----------------------------------------------------------
    def deliver(self, message: Any) -> None:
        """Runtime-originated messages (`Terminated`) bypass the bound: they must not be lost."""
        if not self.mailbox.force(message):
            self.runtime.dead_letters.add(message, self.path, "stopped")

    def post(self, signal: Signal) -> None:
        self.mailbox.post(signal)

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
        return self.mailbox.parked

    def child_refs(self) -> list[ActorRef]:
        return [child.ref for child in self.children.values()]
