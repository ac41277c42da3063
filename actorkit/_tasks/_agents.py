"""Agents as the task layer sees them: one record per live actor that has capabilities.

The runtime tracks actors (cells); what makes an actor an agent, busy or idle, is the task it
holds, which only the task layer knows. Keeping that here leaves the cell free of task code.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .._cut import Cut
from .._signals import SelfStop, Stop, StopInstance
from .._state import ENDING, RESTARTING, RUNNING, SUSPENDED

if TYPE_CHECKING:
    from .._cell import Cell
    from .._envelope import Ask
    from ._handle import TaskHandle
    from ._layer import TaskLayer

IDLE = "idle"
BUSY = "busy"
AGENT_RESTARTING = "restarting"
AGENT_STOPPED = "stopped"

HISTORY = 32
"""State changes kept per agent: enough to see a flapping agent, bounded for long runs."""

Sink = Callable[[str, str, int | None], None]
"""Where an agent's changes go to be kept durably: `(path, state, task id)`. Handed in by the
system's persistence service (`ActorSystem(agent_history=True)`); the task layer stays free of
stores."""


@dataclass(frozen=True, slots=True)
class AgentInfo:
    """A snapshot of one agent, taken by `system.agents()`."""

    path: str
    state: str
    """`idle` (takes the next task that fits), `busy` (holds a task), `restarting`
    (suspended by a failure or a `permanent` self-stop, awaiting or in a restart, or with a
    restart queued) or `stopped` (stopping, draining at shutdown, or with a stop queued: takes
    no more tasks)."""
    capabilities: frozenset[str]
    mailbox_size: int
    processed: int
    failures: int
    restarts: int
    history: tuple[tuple[float, str], ...]
    """The last state changes as `(time, state)`, oldest first, times on the system clock."""
    accepted: int = 0
    """Messages its mailbox accepted, tasks included. Message accounting: `accepted ==
    processed + crashed + dead_lettered + mailbox_size` (+ 1 while one is being handled)."""
    crashed: int = 0
    """Messages whose handler raised (each dropped and reported to the supervisor)."""
    dead_lettered: int = 0
    """Accepted messages that became dead letters (queued when it stopped, or cut off)."""
    current_task: int | None = None
    """The id of the task it holds (`TaskHandle.id`), None when it holds none."""


class Agent:
    """The task layer's record of one agent; `handle` is the one task it holds, if any."""

    __slots__ = (
        "capabilities",
        "cell",
        "envelope",
        "handle",
        "history",
        "on_done",
        "sink",
        "unreported",
    )

    def __init__(self, layer: TaskLayer, cell: Cell) -> None:
        self.cell: Cell = cell
        self.capabilities: frozenset[str] = cell.capabilities
        self.handle: TaskHandle | None = None
        self.envelope: Ask | None = None
        """Its tasks' envelope, made for its first task and filled in for each (its future
        armed again, its `message` cleared once the outcome is in)."""
        self.unreported: BaseException | None = None
        """How its attempt failed, from the failure until its report a loop turn later
        (`Attempt.set_exception`): the task's outcome is then decided, and a cancel meanwhile
        must not overrule it."""
        self.history: deque[tuple[float, str]] = deque(maxlen=HISTORY)
        self.sink: Sink | None = layer.history_sink
        # Where an attempt reports its outcome: `(agent, result, error)`.
        self.on_done: Callable[[Agent, object, BaseException | None], None] = layer.attempt_done

    def takes_task(self) -> bool:
        """Free to be given a task now: what `idle` means (`observe`'s, written out: this
        runs on every dispatch). The idle queues read it as the property `ready`; the task
        layer calls it, as a method call runs inline where a property's read does not."""
        cell = self.cell
        return (
            self.handle is None
            and cell.state is RUNNING  # not while `on_start` runs: `agent_started` frees it
            and not cell.draining
            and not (cell.mailbox.signals and self.coming())
        )

    if TYPE_CHECKING:  # what `property(takes_task)` is, said so that checkers read a bool

        @property
        def ready(self) -> bool: ...

    else:
        ready = property(takes_task)

    def coming(self) -> str | None:
        """The state a queued stop or restart leads to (a `self.stop()` in the handler that
        just returned, a `ref.stop()` or a sibling's restart waiting for the current message,
        a supervisor's cut of the handler, whose failed task is reported before the cut runs),
        or None. From then on the agent takes no task: it is shown so, and the event the
        signal ends in (`restarted`, `agent_stopped`) is the one that frees it."""
        cell = self.cell
        for signal in cell.mailbox.signals:
            kind = type(signal)
            if kind is StopInstance or (kind is SelfStop and not cell.exit_is_stop):
                return AGENT_RESTARTING
            if kind is Stop or kind is SelfStop:
                return AGENT_STOPPED
            if isinstance(signal, Cut):
                return AGENT_STOPPED if signal.for_good else AGENT_RESTARTING
        return None

    def observe(self, now: float) -> None:
        """Record the current state if it changed. Called at every transition the task layer
        is told of (`agent_paused` covers those into `restarting` and `stopped`) and at every
        snapshot; the state worked out here, not in a call of its own, as a failure passes
        here three times."""
        cell = self.cell
        if cell.state in ENDING:  # stopping, or closed (`agent_stopped` comes from its close)
            state = AGENT_STOPPED
        elif cell.state in (SUSPENDED, RESTARTING):
            state = AGENT_RESTARTING
        elif self.handle is not None:
            state = BUSY
        elif cell.draining:  # a shutdown's stop, its queue handled first
            state = AGENT_STOPPED
        elif cell.mailbox.signals:
            state = self.coming() or IDLE
        else:
            state = IDLE
        history = self.history
        if not history or history[-1][1] != state:
            history.append((now, state))
            if self.sink is not None:
                self.record(state)

    def record(self, state: str) -> None:
        """Hand a change to the durable history: a state change, or the next task taken."""
        sink = self.sink
        assert sink is not None, "only called with a durable history"
        handle = self.handle
        sink(self.cell.path, state, None if handle is None else handle.id)

    def info(self, now: float) -> AgentInfo:
        self.observe(now)
        cell = self.cell
        return AgentInfo(
            path=cell.path,
            state=self.history[-1][1],
            capabilities=self.capabilities,
            mailbox_size=len(cell.mailbox),
            processed=cell.mailbox.processed,
            failures=cell.failures,
            restarts=cell.restarts,
            history=tuple(self.history),
            accepted=cell.mailbox.accepted,
            crashed=cell.mailbox.crashed,
            dead_lettered=cell.mailbox.dead_lettered,
            current_task=None if self.handle is None else self.handle.id,
        )
