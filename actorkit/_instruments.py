"""Rare lifecycle events fan out to instruments (metrics, crash reports, the task layer, the
transport) so that the core never imports prometheus_client and pays nothing per message
for observers.

An instrument subclasses `Instrument` and overrides only the events it follows; the others
are inherited no-ops. `Instruments` keeps, per event, only the instruments that override it,
so an event nobody follows costs an empty loop.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING

from ._errors import SupervisorGaveUp, chain_began
from ._kept_traces import as_it_failed
from ._shown import shown

if TYPE_CHECKING:
    from ._cell import Cell

logger = logging.getLogger("actorkit")


class Instrument:
    """An observer of lifecycle events; every event does nothing unless overridden."""

    def agent_spawned(self, cell: Cell) -> None:
        """`cell`, spawned with capabilities (an agent), is registered."""

    def agent_started(self, cell: Cell) -> None:
        """`cell`, an agent spawned with an `on_start`, has finished it: it takes tasks from
        now on, as a restarted one does once its new instance's has finished."""

    def agent_paused(self, cell: Cell) -> None:
        """`cell`, an agent, takes no tasks until further notice: it is suspended (a failure or
        a `permanent` self-stop awaiting its supervisor), restarting, or stopping. Called at
        the transition, before any `on_stop` runs, so a task it has not begun can go elsewhere
        at once."""

    def agent_stopped(self, cell: Cell) -> None:
        """`cell`, an agent, has stopped for good and left the system."""

    def stopped(self, cell: Cell) -> None:
        """`cell` has stopped for good and left the system. Followed by few instruments:
        the actors' counts are kept by the runtime itself (`Runtime.unregister`)."""

    def failed(self, cell: Cell, error: BaseException) -> None:
        """`cell`'s supervisor has decided what to do about `error` and is about to do it."""

    def crashed(
        self,
        cell: Cell,
        error: BaseException,
        message: object,
        directive: str,
        traceback: TracebackType | None,
    ) -> None:
        """`cell` raised `error` handling `message`; `directive` says what happens next.
        `traceback` is the error's as it left the actor, before its asker re-raised it."""

    def restarted(self, cell: Cell) -> None:
        """`cell` runs a fresh instance after a restart."""

    def resumed(self, cell: Cell) -> None:
        """`cell` keeps its instance after a failure and takes its next message."""

    def gave_up(self, cell: Cell) -> None:
        """`cell`, a supervisor, exceeded its restart intensity and fails in turn."""


class NoMessage:
    """Stands where a crash report's message would be, for a failure that had none, and says
    what failed instead: a `None` there would read as a `None` message handled."""

    __slots__ = ("what",)

    def __init__(self, what: str) -> None:
        self.what = what


IN_ON_START = NoMessage("failed in on_start")
IN_SIGNAL = NoMessage("failed in a control signal")
IN_LOOP = NoMessage("failed in its receive loop")
ESCALATED = NoMessage("escalated a child's failure")
GAVE_UP = NoMessage("gave up")


EVENTS = (
    "agent_spawned",
    "agent_started",
    "agent_paused",
    "agent_stopped",
    "stopped",
    "failed",
    "crashed",
    "restarted",
    "resumed",
    "gave_up",
)


def _reported(error: BaseException) -> BaseException:
    """What a crash report prints the traceback of: `error`, but for a supervisor that gave
    up on a child that gave up in turn, a copy whose `__cause__` is the failure the chain
    began with. The reports below printed the rest of the chain already; printed again at
    every level, a chain d deep would log d²/2 tracebacks (gigabytes at a few thousand)."""
    if type(error) is not SupervisorGaveUp or type(error.__cause__) is not SupervisorGaveUp:
        return error
    shown_as = SupervisorGaveUp(*error.args)
    shown_as.__cause__ = chain_began(error)
    return shown_as


class CrashLog(Instrument):
    """One structured record per failure, in the spirit of OTP's crash reports; the `extra`
    fields let a log pipeline index failures by path, class, message type and directive."""

    def crashed(
        self,
        cell: Cell,
        error: BaseException,
        message: object,
        directive: str,
        traceback: TracebackType | None,
    ) -> None:
        # A resumed failure was expected (the instance goes on, its state kept): a warning,
        # as Akka logs its `Resume`, so that what alerts on ERROR is not paged for bad input.
        level = logging.WARNING if directive == "resume" else logging.ERROR
        if not logger.isEnabledFor(level):  # as `logger.log` would, before the record's
            return  # fields: an escalation d deep builds d of them per failure
        actor_class = cell.class_name
        message_type: str | None
        if type(message) is NoMessage:  # `isinstance` would ask a proxy message its `__class__`
            what, message_type = message.what, None
        else:
            message_type = type(message).__name__
            what = f"failed handling {message_type}"
        reported = _reported(error)
        if reported is not error:  # a copy shows no frames, only its chain's first cause
            traceback = reported.__traceback__
        with as_it_failed(error):
            logger.log(
                level,
                "actor %s (%s) %s: %s; supervisor decided: %s",
                cell.display_path,
                actor_class,
                what,
                shown(error),
                directive,
                exc_info=(type(reported), reported, traceback),  # a tuple: see `_shown.traced`
                extra={
                    "actor_path": cell.display_path,
                    "actor_class": actor_class,
                    "message_type": message_type,
                    "directive": directive,
                },
            )


class Instruments:
    """The attached instruments, `CrashLog` first; each event goes to every instrument that
    overrides it, in the order they were added."""

    __slots__ = (
        "_agent_paused",
        "_agent_spawned",
        "_agent_started",
        "_agent_stopped",
        "_crashed",
        "_failed",
        "_gave_up",
        "_restarted",
        "_resumed",
        "_stopped",
        "follow_stops",
    )

    def __init__(self) -> None:
        self._agent_spawned: list[Callable[[Cell], None]] = []
        self._agent_started: list[Callable[[Cell], None]] = []
        self._agent_paused: list[Callable[[Cell], None]] = []
        self._agent_stopped: list[Callable[[Cell], None]] = []
        self._stopped: list[Callable[[Cell], None]] = []
        self.follow_stops: bool = False
        """Whether any instrument follows `stopped`: checked before the call, per stop."""
        self._failed: list[Callable[[Cell, BaseException], None]] = []
        self._crashed: list[
            Callable[[Cell, BaseException, object, str, TracebackType | None], None]
        ] = []
        self._restarted: list[Callable[[Cell], None]] = []
        self._resumed: list[Callable[[Cell], None]] = []
        self._gave_up: list[Callable[[Cell], None]] = []
        self.add(CrashLog())

    def add(self, instrument: Instrument) -> None:
        for event in EVENTS:
            if getattr(type(instrument), event) is not getattr(Instrument, event):
                hooks: list[Callable[..., None]] = getattr(self, f"_{event}")
                hooks.append(getattr(instrument, event))
        self.follow_stops = bool(self._stopped)

    def agent_spawned(self, cell: Cell) -> None:
        for hook in self._agent_spawned:
            hook(cell)

    def agent_started(self, cell: Cell) -> None:
        for hook in self._agent_started:
            hook(cell)

    def agent_paused(self, cell: Cell) -> None:
        for hook in self._agent_paused:
            hook(cell)

    def agent_stopped(self, cell: Cell) -> None:
        for hook in self._agent_stopped:
            hook(cell)

    def stopped(self, cell: Cell) -> None:
        for hook in self._stopped:
            hook(cell)

    def failed(self, cell: Cell, error: BaseException) -> None:
        for hook in self._failed:
            hook(cell, error)

    def crashed(
        self,
        cell: Cell,
        error: BaseException,
        message: object,
        directive: str,
        traceback: TracebackType | None,
    ) -> None:
        for hook in self._crashed:
            hook(cell, error, message, directive, traceback)

    def failure(
        self,
        cell: Cell,
        error: BaseException,
        message: object,
        outcome: str,
        traceback: TracebackType | None,
    ) -> None:
        """Every failure, decided on or not, is reported once: logged and counted. A report
        decided later, in the supervisor's task, passes the traceback taken when the actor
        failed: by then its asker may have re-raised the error, adding its own frames."""
        self.crashed(cell, error, message, outcome, traceback)
        self.failed(cell, error)

    def restarted(self, cell: Cell) -> None:
        for hook in self._restarted:
            hook(cell)

    def resumed(self, cell: Cell) -> None:
        for hook in self._resumed:
            hook(cell)

    def gave_up(self, cell: Cell) -> None:
        for hook in self._gave_up:
            hook(cell)
