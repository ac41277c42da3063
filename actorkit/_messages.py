"""Records the runtime hands to user code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._ref import ActorRef


@dataclass(frozen=True, slots=True)
class Terminated:
    """Delivered once to every watcher when the watched actor stops for good.

    `reason` is None for a normal stop, else the exception that ended the actor.
    """

    ref: ActorRef
    reason: BaseException | None = None


@dataclass(frozen=True, slots=True, weakref_slot=True)  # weak: `DeadLetters.watchers_copy`
class DeadLetter:
    """A message that could not be delivered, kept so that nothing is lost silently."""

    message: object
    recipient: str | None
    reason: str
    time: float
