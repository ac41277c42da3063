"""The runtime: what the kernel needs of the system that hosts it, and nothing more.

Cells, refs, timers, supervision and spawning hold this small object instead of the
`ActorSystem`, so the system's public face can stay exactly the documented API and the
kernel cannot reach into services (router, tasks, metrics, transport). A service learns that
an actor it follows stopped through `Cell.follow_stop`."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any

from ._accounting import Accounting
from ._awaited import shared_stops, subtree
from ._clock import AskDeadlines
from ._dead_letters import DeadLetters, Reason
from ._failure import hand_over
from ._instruments import Instruments
from ._shown import shown, traced
from ._spawn import Kind
from ._timers import TimerQueue

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine
    from types import TracebackType

    from ._actor import Actor
    from ._cell import Cell
    from ._clock import Clock
    from ._cut import Cut
    from ._envelope import Ask
    from ._stats import ClassStats
    from ._supervision import Strategy

logger = logging.getLogger("actorkit")

KINDS_KEPT = 4096
"""Actor classes whose `Kind` a runtime keeps: far more than a program defines, so that only
classes made at run time ever empty the cache (a plain dict keeps the lookup at spawn one
dict lookup: a `WeakKeyDictionary` would cost a call per spawn)."""


class Runtime:
    __slots__ = (
        "__weakref__",  # `_awaited.shared_stops`
        "accepting",
        "ask_deadlines",
        "awaiting_stops",
        "cleaning_below",
        "clock",
        "cuts",
        "dead_letters",
        "default_strategy",
        "exit_handed",
        "exit_shutdown",
        "exiting",
        "heirs",
        "instruments",
        "kinds",
        "live",
        "loop",
        "name",
        "news_held",
        "on_root_failure",
        "open_asks",
        "retired",
        "root",
        "root_strategy",
        "shut_down",
        "shutting_down",
        "stats_for",
        "system",
        "thread",
        "timers",
        "unwinding",
    )

    def __init__(
        self,
        system: Any,
        name: str,
        clock: Clock,
        root_strategy: Strategy,
        default_strategy: Strategy,
    ) -> None:
        self.system: Any = system
        """The user-facing `ActorSystem`, for `Actor.system` only: the kernel never calls it."""
        self.name: str = name
        self.clock: Clock = clock
        self.root_strategy: Strategy = root_strategy
        self.default_strategy: Strategy = default_strategy
        self.dead_letters: DeadLetters = DeadLetters(self.now)
        self.instruments: Instruments = Instruments()
        self.live: dict[str, Cell] = {}
        """The live actors by path: `Cell.new_child` writes a new one here itself."""
        self.ask_deadlines: AskDeadlines = AskDeadlines(clock, live=self.live)
        self.open_asks: dict[float, dict[Ask, None]] = self.ask_deadlines.open
        """`ActorRef.ask` files each ask here by its timeout: one lookup, no clock read."""
        self.timers: TimerQueue = TimerQueue(self.dead_letters, clock, self)
        self.stats_for: Callable[[type], ClassStats | None] = lambda cls: None
        self.on_root_failure: Callable[[BaseException, TracebackType | None], None]
        """The system's, given the traceback as `ChildFailed` keeps it (None: the error's)."""
        self.shut_down: Callable[[], Coroutine[Any, Any, None]]
        """The system's `shutdown`, which `exit` runs."""
        self.exiting: BaseException | None = None
        """The `KeyboardInterrupt` or `SystemExit` an actor raised, once one has."""
        self.exit_shutdown: asyncio.Task[None] | None = None
        """The shutdown `exit` began, which hands `exiting` over once it ends."""
        self.exit_handed: bool = False
        """`exiting` was raised to the owner already (`ActorSystem.shutdown`)."""
        self.accepting: bool = False
        self.shutting_down: bool = False
        self.retired: Accounting = Accounting()
        """The message accounting of stopped actors, kept when their cells go."""
        self.root: Cell | None = None
        """The guardian above top-level actors, from `start()` on."""
        self.kinds: dict[type, Kind] = {}
        self.heirs: dict[Cell, Callable[[Cell, tuple[Any, ...]], Callable[[], None] | None]] = {}
        """Parents that route again what a closing child had not begun (pools, whose
        members are interchangeable): given the child before its queue is rejected, and
        what its stop refused outside the queue (an ask that waited for room), an heir
        takes what it wants and returns what to run once the child is gone."""
        self.unwinding: dict[asyncio.Task[None], Cell] = {}
        """Tasks of closed actors still running their `on_stop` (their task was cancelled:
        the cell closed first), for a shutdown to wait for before it closes what they use."""
        self.news_held: dict[Cell, asyncio.TimerHandle] = {}
        """Actors closed by force whose `on_stop` has yet to end: their watchers hear of the
        stop after it, or past the grace for it at the latest (`_watch.hold_news`)."""
        self.cleaning_below: dict[Cell | None, int] = {}
        """Parents of a cancelled spawn whose task still stops its kids, out of the tree
        (`awaited_at_shutdown`), with how many: only their stops look for such kids, so a
        cleanup elsewhere never sends every other stop down the slow path."""
        self.awaiting_stops: dict[asyncio.Task[Any], dict[Cell, int]] = {}
        """Tasks waiting in `await ref.stop()`, and the stops each waits for (two, in a
        `TaskGroup`): how a stop that would close a ring of such waits finds it
        (`_outside_stop`). From `start` on, one map for every system on the loop (`on_loop`)."""
        self.cuts: dict[Cell, Cut] = {}
        """Cells whose supervisor cut their instance past its shutdown time, until the cut
        is carried out (`_cut`): empty but for that, so no actor pays for it."""
        self.loop: asyncio.AbstractEventLoop
        self.thread: int = 0  # `loop`'s, as last found by a check that reads it (`_system_checks`)

    def on_loop(self, loop: asyncio.AbstractEventLoop) -> asyncio.AbstractEventLoop:
        """The system starts on `loop`: its stops are filed with those of the other systems
        there, so that a ring of stops through several of them is found (`shared_stops`)."""
        self.loop = loop
        self.awaiting_stops = shared_stops(self)
        return loop

    def cleaning(self, task: asyncio.Task[None], cell: Cell) -> None:
        """`task` stops the kids of `cell`, whose spawn was cancelled (`awaited_at_shutdown`):
        out of the tree, they leave the registry by path now, as `cell` did (`orphans`)."""
        parent = cell.parent
        self.unwinding[task] = cell
        self.cleaning_below[parent] = self.cleaning_below.get(parent, 0) + 1
        task.add_done_callback(lambda ended: self._cleaned(parent, ended))
        live = self.live
        for below in subtree(cell):
            if live.get(below.path) is below:
                del live[below.path]

    def _cleaned(self, parent: Cell | None, task: asyncio.Task[None]) -> None:
        self.unwinding.pop(task, None)
        below = self.cleaning_below
        if below[parent] > 1:
            below[parent] -= 1
        else:
            del below[parent]

    @property
    def stop_reason(self) -> Reason:
        """The dead-letter reason of what a stopping actor refuses."""
        return "shutdown" if self.shutting_down else "stopping"

    def now(self) -> float:
        """The clock's time, or 0.0 before the system started (a dead letter's time)."""
        try:
            return self.clock.now()
        except RuntimeError:
            return 0.0

    # --- the registry of live actors by path ------------------------------------------------
    def learn(self, first: Actor) -> Kind:
        """An actor class's `Kind`, from its first instance spawned here (`Cell.new_child`
        looks it up in `kinds` first). A cache: past `KINDS_KEPT` classes it starts again, so
        that classes made at run time are not kept for ever, and each is learnt again at its
        next spawn."""
        kinds = self.kinds
        if len(kinds) >= KINDS_KEPT:
            kinds.clear()
        cls = type(first)
        kind = kinds[cls] = Kind(first, self.stats_for(cls))
        return kind

    def unregister(self, cell: Cell) -> None:
        """`cell` stopped for good: it leaves the registry, the services that follow it
        (`Cell.follow_stop`) let go of it, and its counts join the retired ones. Only the
        services that follow an actor are called: most actors pay no call for them."""
        live = self.live
        if live.get(path := cell.path) is cell:
            del live[path]
        followers = cell.stop_followers
        if followers is not None:  # let go: a ref held to it keeps none of them (one may be
            cell.stop_followers = None  # another system's)
            for follower in followers:
                follower(cell)
        processed = self.retired.retire(cell.mailbox)
        if cell.parent is not None:
            stats = cell.stats
            if stats is not None:
                stats.stopped += 1
                stats.processed_retired += processed
            if cell.capabilities:
                self.instruments.agent_stopped(cell)
            if self.instruments.follow_stops:
                self.instruments.stopped(cell)

    def lookup(self, path: str) -> Cell | None:
        return self.live.get(path)

    def in_tree(self, cell: Cell) -> bool:
        """Each actor from `cell` up is its parent's child still: none is below a spawn
        cancelled in or after a failed `on_start` (`orphans`)."""
        while (parent := cell.parent) is not None:
            if parent.children.get(cell.name) is not cell:
                return False
            cell = parent
        return cell is self.root

    def orphans(self) -> list[Cell]:
        """Actors out of the tree, not stopped yet: what the `on_start` of a spawn cancelled
        in or after a failed `on_start` began, which that actor's task stops. No path finds
        them, as no failed spawn in Akka or Orleans leaves anything addressable, and a
        respawn may own their paths already; yet they run, so they are counted (`cells`,
        `actor_count`) until they stop. A walk only while such a task runs; the actors of
        `unwinding` whose `on_stop` the loop's end cut into are in the tree still."""
        if not self.cleaning_below:
            return []
        live, tops = self.live, self.unwinding.values()
        below = (cell for top in tops for cell in subtree(top) if cell is not top)
        return list(dict.fromkeys(c for c in below if not c.closed and live.get(c.path) is not c))

    def cells(self) -> list[Cell]:
        """Every actor not stopped yet, out of the tree too (`orphans`)."""
        return [*self.live.values(), *self.orphans()]

    @property
    def actor_count(self) -> int:
        return len(self.live) + len(self.orphans())

    def is_idle(self) -> bool:
        """Every actor parked on an empty mailbox (or stopped): what `ManualClock` waits for."""
        root = self.root
        if root is None:
            return True
        return (
            (root.mailbox.parked or root.closed)
            and all(cell.mailbox.parked or cell.closed for cell in self.live.values())
            and all(cell.mailbox.parked for cell in self.orphans())
        )

    def accounting(self) -> Accounting:
        """Over live and stopped actors: `accepted == processed + crashed + dead_lettered +
        queued + handling` at any moment."""
        total = replace(self.retired)
        for cell in self.cells():
            total.add(cell)
        return total

    # --- failures the kernel cannot hand to a supervisor --------------------------------------
    def exit(self, error: BaseException) -> None:
        """An actor's code raised `KeyboardInterrupt` or `SystemExit` (`_failure`): the first
        leaves the event loop once the system has shut down; from now on nothing is restarted
        or accepted, and what stopping actors leave is a `shutdown` dead letter."""
        if self.exiting is not None:
            return
        self.exiting = error
        self.accepting, self.shutting_down = False, True
        self.exit_shutdown = self.loop.create_task(self.shut_down())
        self.exit_shutdown.add_done_callback(partial(hand_over, error, self))

    def hand_exit_to_owner(self) -> None:
        """Raises `exiting` in the owner's task that waited for the shutdown to end: raised
        from a loop callback in the turn the owner's main coroutine ended, it would leave the
        loop ahead of the stop `run_until_complete` queued for that coroutine, which then
        stops the `asyncio.Runner`'s closing run instead (`RuntimeError: Event loop stopped
        before Future completed`, the exit only its context). Raised in a task, it ends that
        task with it, and asyncio lets it out of the loop at once."""
        error = self.exiting
        if error is None or self.exit_handed or asyncio.current_task() is self.exit_shutdown:
            return
        self.exit_handed = True
        raise error

    def log_internal(self, what: str, error: BaseException) -> None:
        logger.error("%s in %s: %s", what, self.name, shown(error), exc_info=traced(error))
