"""Which actor's code runs on a stack: what the watchdog reads on the loop thread's stack,
from its own thread, to name the actor holding the loop."""

from __future__ import annotations

from types import CodeType, FrameType

from ._cell import Cell
from ._outside_stop import unwind_on_stop
from ._receive import run
from ._spawn import make_instance
from ._supervision import OneForOne

# Frames whose `cell` is the actor whose code runs above them: its task's, the task that
# runs its `on_stop` apart when its own ended unwound (cancelled before its first step),
# and its factory's, which a spawner or a supervisor (a restart in place) runs in its task.
_RUN_CODE = run.__code__
_APART_CODE = unwind_on_stop.__code__
_FACTORY_CODE = make_instance.__code__

_PHASES: dict[CodeType, str] = {OneForOne.directive.__code__: "supervision strategy's decider"}
"""The runtime's code that runs the user's in a phase of its own, and the words for where
the actor is while its frame is on the stack: a reader told "handler" or "on_start" would
look for a handler or an `on_start` of their own."""


def phase(code: CodeType, words: str) -> None:
    """Names a phase of a layer above the kernel (a durable actor's recovery)."""
    _PHASES[code] = words


def running_cell(frame: FrameType | None) -> tuple[Cell, str] | None:
    """The cell whose code runs on this stack, if any, and where: in its `__init__`, its
    `on_start`, its `on_stop` or a handler. The innermost, so that a child's factory is not
    blamed on the supervisor or spawner that runs it. Not the system's root, no actor of the
    user's: what runs in its task (`ActorSystem(supervisor=...)`'s decider) is outside them."""
    above: list[FrameType] = []
    while frame is not None:
        code = frame.f_code
        if code is _RUN_CODE or code is _APART_CODE or code is _FACTORY_CODE:
            cell = frame.f_locals.get("cell")
            if not isinstance(cell, Cell) or cell.parent is None:
                return None
            return cell, "__init__" if code is _FACTORY_CODE else _hook(above)
        above.append(frame)
        frame = frame.f_back
    return None


def _hook(above: list[FrameType]) -> str:
    """The phase whose code runs on the stack (`_PHASES`), else `on_start` or `on_stop` if
    an actor's own runs on it (the outermost call of one), else `handler`. The instance is
    read from the hook's frame: `on_stop` runs once the cell has let go of it."""
    for frame in above:
        words = _PHASES.get(frame.f_code)
        if words is not None:
            return words
    for frame in reversed(above):
        name = frame.f_code.co_name
        if name in _HOOKS:
            hook = getattr(type(frame.f_locals.get("self")), name, None)
            if getattr(hook, "__code__", None) is frame.f_code:
                return name
    return "handler"


_HOOKS = ("on_start", "on_stop")
