"""The traceback a failure left its actor with, for the reports written above that actor
later: its asker, handed the same exception, may have re-raised it since, and each frame
that re-raise passed through was added to the exception's `__traceback__`. A report of the
failure itself is given the traceback its actor's report kept (`ChildFailed.traceback`);
one of a supervisor giving up prints the failure as the `SupervisorGaveUp`'s cause, read
from the exception as the line is formatted, so the traceback is kept here for it."""

from __future__ import annotations

import contextlib
import logging
import weakref
from collections.abc import Iterator
from types import TracebackType

from ._errors import SupervisorGaveUp, chain_began
from ._shown import shown

logger = logging.getLogger("actorkit")

_KEPT: weakref.WeakKeyDictionary[SupervisorGaveUp, TracebackType] = weakref.WeakKeyDictionary()
"""For each `SupervisorGaveUp` the runtime made, the traceback its chain's first failure
left its actor with: an asker that re-raised that failure since has added its own frames to
the failure's `__traceback__`, which its crash report's chain would print."""


def keep_cause(gave_up: SupervisorGaveUp, traceback: TracebackType | None) -> None:
    """`traceback`: the one `gave_up.__cause__` left its actor with (its report kept it)."""
    cause = gave_up.__cause__
    kept = _KEPT.get(cause) if type(cause) is SupervisorGaveUp else traceback
    if kept is not None:
        _KEPT[gave_up] = kept


@contextlib.contextmanager
def as_it_failed(error: BaseException) -> Iterator[None]:
    """While a report of `error` is logged: a `SupervisorGaveUp`'s chain ends in the failure
    it began with as that failure left its actor, none of an asker's frames above. Every
    handler of the standard library formats a record as it is logged (a `QueueHandler` too,
    before it queues it); one that keeps records to format later sees the failure as it is
    by then."""
    kept = _KEPT.get(error) if type(error) is SupervisorGaveUp else None
    if kept is None:
        yield
        return
    first = chain_began(error)
    live = first.__traceback__
    first.__traceback__ = kept
    try:
        yield
    finally:
        first.__traceback__ = live


def system_failed(name: str, error: BaseException, traceback: TracebackType | None) -> None:
    """The log line of a failure past the root, with the traceback it left its actor with."""
    with as_it_failed(error):
        logger.error(
            "actor system %s failed: %s",
            name,
            shown(error),
            exc_info=(type(error), error, traceback),  # a tuple: see `_shown.traced`
        )
