"""The `SupervisorGaveUp` a supervisor fails with when its strategy allows no more restarts:
its words, which say what to change, and its cause, the child's failure."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING

from ._errors import SupervisorGaveUp, chain_began
from ._kept_traces import keep_cause
from ._shown import cut, shown

if TYPE_CHECKING:
    from ._cell import Cell
    from ._supervision import Strategy


def gave_up_with(
    parent: Cell,
    strategy: Strategy,
    child: Cell,
    error: BaseException | None,
    traceback: TracebackType | None,
) -> SupervisorGaveUp:
    """What `parent` fails with as it gives up on `child`, which failed with `error` (None:
    stopped itself normally), leaving its actor with `traceback`."""
    allow = "allow more restarts: raise max_restarts or shorten within"
    if error is None:
        last = (
            f"{child.display_path} stopped itself normally (a permanent child is restarted "
            "whenever it stops)"
        )
        advice = f"give it restart='transient' to let it stop, or {allow}"
    else:
        last = f"{child.display_path} failed with {_quoted(error)}"
        advice = f"fix the failing child, or {allow}"
    gave_up = SupervisorGaveUp(
        f"supervisor {parent.display_path} gave up: {last}{_limit(strategy)}; it stopped its "
        f"children; {advice}"
    )
    gave_up.__cause__ = error
    keep_cause(gave_up, traceback)
    return gave_up


QUOTED = 500
"""The most of the child's failure a `SupervisorGaveUp` quotes: its `__cause__` holds it whole."""


def _quoted(error: BaseException) -> str:
    """The child's failure as its supervisor's `SupervisorGaveUp` quotes it. A child that gave
    up in turn is named by the failure its chain began with, not by its own message: quoted
    whole, each supervisor up a chain would quote the one below, every escape of it escaped
    again, and the message would double at each level (megabytes at twenty, beyond memory at
    thirty)."""
    first = chain_began(error)
    text = cut(shown(first), QUOTED)
    if first is error:
        return text
    return f"SupervisorGaveUp (a chain of supervisors giving up, begun by {text})"


def _limit(strategy: Strategy) -> str:
    """The intensity reached, in the strategy's own terms: a longer `within` counts more
    restarts, so only a shorter one (or more `max_restarts`) allows more."""
    most = strategy.max_restarts
    if most == 0:
        return ", and its strategy allows no restart (max_restarts=0)"
    restarts = "restart" if most == 1 else "restarts"
    return (
        f" after the {most} {restarts} of its children that its strategy allows within "
        f"{strategy.within:g}s (max_restarts={most}, within={strategy.within})"
    )
