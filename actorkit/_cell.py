"""The cell: the runtime's record of one actor. The `ActorRef` is a thin handle on it, so a
ref survives restarts: a restart swaps the instance, never the cell or its mailbox.

What the cell does is in its rooms: the mailbox (`_mailbox`), the lifecycle transitions
(`_lifecycle`, inherited), the receive loop (`_receive`) and supervision (`_supervise`).
"""

from __future__ import annotations

import asyncio
from contextvars import Context, copy_context
from typing import TYPE_CHECKING, Any

from ._actor import Actor
from ._actor_timers import Timers
from ._cancelled_spawn import spawn_cancelled
from ._failure import as_failure
from ._lifecycle import Lifecycle
from ._mailbox import Mailbox
from ._names import MAX_PATH, NOTHING, path_too_long
from ._outside_stop import signalled
from ._receive import run
from ._ref import ActorRef
from ._spawn import CHECKED, check_child_name, check_options, check_parent, make_instance
from ._state import RUNNING, STARTING
from ._supervision import RESTART_TYPES

_new = object.__new__

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from ._envelope import Ask
    from ._intensity import Intensity
    from ._runtime import Runtime
    from ._signals import Signal
    from ._spawn import Kind


class Cell(Lifecycle):
    __slots__ = (
        "args",
        "capabilities",
        "children",
        "class_name_",
        "consecutive_failures",
        "context",
        "factory",
        "incarnation",
        "kwargs",
        "mailbox",
        "mark",
        "name",
        "name_counter",
        "news",
        "parent",
        "path",
        "restart",
        "restarted_at",
        "runtime",
        "stop_followers",
        "stop_waiters",
        "task",
        "timers_",
        "watching",
    )

    context: Context | None
    """Its task's context, a copy of its spawner's that its first `__init__` runs in; kept by
    a dormant cell only, for the task its first wake-up makes and a restart in place
    (`_restart_steps`), until `close` (a task cancelled before its first step runs no `finally`)."""
    incarnation: int
    consecutive_failures: int
    mark: int
    # `Record`'s, declared again where `__init__` sets them: pyright infers None here else
    stop_reason: BaseException | None
    handling: Any

    def __init__(
        self,
        runtime: Runtime,
        parent: Cell | None,
        name: str,
        path: str,
        factory: Callable[..., Actor],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        capacity: int,
        restart: str,
    ) -> None:
        self.runtime: Runtime = runtime
        self.parent: Cell | None = parent
        self.name: str = name
        self.path: str = path
        self.factory: Callable[..., Actor] = factory
        self.args: tuple[Any, ...] = args
        self.kwargs: dict[str, Any] = kwargs
        self.restart: str = restart
        self.capabilities: frozenset[str] = NOTHING
        self.mailbox: Mailbox = Mailbox(capacity)
        self.instance: Actor | None = None
        self.state = STARTING
        self.closed = self.draining = self.stop_asked = False
        self.children: dict[str, Cell] = {}
        self.name_counter: int = 0
        self.watchers: dict[Cell, None] | None = None
        self.watching: set[Cell] | None = None
        self.news: dict[Cell, Ask] | None = None  # its queued `Terminated`, by actor (`_watch`)
        self.failures = self.restarts = self.incarnation = self.consecutive_failures = self.mark = 0
        self.intensity: Intensity | None = None
        self.restarted_at: float = 0.0
        self.stop_reason = self.handling = self.stats = None  # typed by `Record`
        self.stop_waiters: list[asyncio.Future[None]] | None = None
        self.stop_followers: list[Callable[[Cell], object]] | None = None
        self.task: asyncio.Task[None] | None = None
        self.timers_: Timers | None = None
        self.class_name_: str | None = None
        """Its first instance's class's name, shown while it has none (a restart's backoff)
        with metrics on or off: its factory may be a function."""
        self.ref_: ActorRef | None = (ref := _new(ActorRef))
        ref._cell = self  # `ActorRef._mint`, written out: spawn's every call counts
        ref._mailbox = self.mailbox

    @property
    def class_name(self) -> str:
        if self.instance is not None:
            return type(self.instance).__name__
        if self.class_name_ is not None:
            return self.class_name_
        return getattr(self.factory, "__name__", type(self.factory).__name__)

    @property
    def display_path(self) -> str:
        return self.path or "/"

    @property
    def timers(self) -> Timers:
        if self.timers_ is None:  # made on first use: most actors start no timer
            self.timers_ = Timers(self)
        return self.timers_

    # --- children ---------------------------------------------------------------------------
    async def spawn_child(
        self,
        factory: object,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        *,
        name: str | None,
        mailbox_size: int | None,
        restart: str,
        capabilities: Iterable[str],
    ) -> ActorRef:
        """Start a child supervised by this cell; returns once its `on_start` finished.
        (`Actor.spawn` and `ActorSystem.spawn` write this out: one coroutine less per spawn.)"""
        cell = self.new_child(factory, args, kwargs, name, mailbox_size, restart, capabilities)
        if cell.state is STARTING:
            await cell.start()
        return cell.ref_ or cell.ref  # the property's call only for a ref let go

    def new_child(
        self,
        factory: object,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        name: str | None,
        mailbox_size: int | None,
        restart: str,
        capabilities: Iterable[str],
    ) -> Cell:
        """Check the arguments, make the cell and its instance, and register it. Without
        an `on_start` the child is RUNNING on return; else STARTING, the caller awaits `start`."""
        make: Any
        if (  # the common options pass without a call (a call and its tuple, on every spawn)
            type(factory) is type
            and factory in CHECKED
            and type(mailbox_size) is int
            and mailbox_size > 0
            and type(restart) is str
            and restart in RESTART_TYPES
            # none: `()` (not `== ()`: numpy compares per item), or a `ChildSpec`'s, checked
            and ((type(capabilities) is tuple and not capabilities) or capabilities is NOTHING)
        ):
            make, capacity, extra = factory, mailbox_size, NOTHING
        else:
            make, capacity, restart, extra = check_options(
                factory, mailbox_size, restart, capabilities
            )
        runtime = self.runtime
        if (
            self.state is not RUNNING
            or self.instance is None
            or self.draining
            or not runtime.accepting
        ):
            check_parent(self)
        if name is None:
            self.name_counter += 1
            name = f"${self.name_counter}"
        else:
            name = check_child_name(name, self.children, self.path)
        if len(path := f"{self.path}/{name}") > MAX_PATH:  # past what `lookup` takes
            raise path_too_long(self.path, name)
        cell = Cell(runtime, self, name, path, make, args, kwargs, capacity, restart)
        context = cell.context = copy_context()  # what `__init__` sets is not the spawner's
        kind = context.run(cell.construct)
        cell.capabilities = kind.capabilities | extra if extra else kind.capabilities
        if not kind.starts:
            cell.state = RUNNING
            mailbox = cell.mailbox
            if kind.dormant and not mailbox.queue and not mailbox.signals:
                # Made by the first message or signal, in place for the agents' layer below;
                # what `__init__` sent itself (a tell, `self.stop()`) woke nobody: made below.
                mailbox.waiter = cell  # dormant: `set_result` makes its task
        self.children[name] = cell
        if not runtime.cleaning_below or runtime.in_tree(self):  # else no path finds it
            runtime.live[path] = cell
        if cell.capabilities:
            runtime.instruments.agent_spawned(cell)
        if cell.mailbox.waiter is None and cell.state is RUNNING and cell.task is None:
            cell.task = runtime.loop.create_task(run(cell, None), context=context)
            cell.context = None  # held by a dormant cell only (`starts_in_place`, cuts)
        return cell

    def construct(self) -> Kind:
        """The first instance, and its class's `Kind`. What `__init__` did before raising (a
        subscription, a timer, a watch) goes with it: nothing half-built gets publishes or ticks."""
        runtime = self.runtime
        try:
            instance = self.instance = make_instance(self)
            kind = runtime.kinds.get(type(instance)) or runtime.learn(instance)
        except BaseException as error:
            self.instance = None
            self.close(None)
            # Called, not awaited: no cancellation of the spawner lands in `__init__`, so a
            # `CancelledError` from it is this actor's failure and an exit the owner's.
            failure = as_failure(error, f"the factory of {self.path}", runtime, called=True)
            if failure is error:
                raise
            raise failure from error
        self.class_name_ = kind.name
        stats = self.stats = kind.stats
        if stats is not None:
            stats.spawned += 1
        return kind

    async def start(self) -> None:
        """Run `on_start` in the new actor's task and wait for it. Cancelled (an
        `asyncio.timeout` around `spawn`), it leaves nothing running: no caller gets the ref."""
        started = self.runtime.loop.create_future()
        context, self.context = self.context, None  # `new_child`'s, where `__init__` ran
        task = self.task = self.runtime.loop.create_task(run(self, started), context=context)
        try:
            await started
        except asyncio.CancelledError:
            spawn_cancelled(self, task)
            raise

    # --- dormant: the cell is its mailbox's waiter until its first wake-up (`Waiter`) -------
    done: Callable[[], bool] = False.__bool__
    """Never done: a builtin, unbound, so the first message's wake-up pays no Python frame."""

    def set_result(self, _: None) -> None:
        """The first wake-up (a message or a signal): the task starts in the spawner's context,
        held until now (a slot set only on a dormant cell). A close wakes it too: no task then
        (`Record.close` lets the context go)."""
        if not self.mailbox.closed:
            # A task factory may start the task at once (`asyncio.eager_task_factory`): the
            # actor would handle the message inside its sender's put, nested once per actor
            # woken in turn. Then the task's first step is a yield (`run`).
            self.task = self.runtime.loop.create_task(run(self, None), context=self.context)

    # --- messages from the runtime ----------------------------------------------------------
    def post(self, signal: Signal) -> None:
        self.mailbox.post(signal)

    async def call(self, signal: Signal) -> None:
        """Post a control signal and wait until the cell has carried it out (or is gone)."""
        if not self.closed:
            await signalled(self, signal)

    def add_stop_waiter(self, waiter: asyncio.Future[None]) -> None:
        """`waiter` is answered when this actor has closed."""
        if self.stop_waiters is None:
            self.stop_waiters = []
        self.stop_waiters.append(waiter)

    def follow_stop(self, follower: Callable[[Cell], object]) -> None:
        """Call `follower` (a service's, once however often asked) when this actor stops for
        good: its subscriptions, timers or persistence id go with it."""
        if self.stop_followers is None:
            self.stop_followers = [follower]
        elif follower not in self.stop_followers:
            self.stop_followers.append(follower)

    def child_refs(self) -> list[ActorRef]:
        return [child.ref for child in self.children.values()]
