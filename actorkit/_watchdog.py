"""Notices a handler that blocks the event loop and names it.

A handler that calls `time.sleep` or burns CPU stops every actor in the process. The loop
cannot report that itself while it is blocked, so a small daemon thread watches a heartbeat
the loop refreshes; when the heartbeat is older than the threshold, the thread looks at the
loop thread's stack for the cell whose handler is running and logs a warning naming it, once
per blocking episode. Nothing is added to the per-message path.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import time
from types import FrameType

from ._cell import Cell
from ._receive import run
from ._runtime import Runtime
from ._seconds import check_seconds

logger = logging.getLogger("actorkit")

BLOCKED_THRESHOLD = 0.5
"""Seconds the loop may be held by one callback before the blocking handler is reported."""

_HANDLER_CODE = run.__code__
OUTSIDE = "(outside actors)"
"""The `actor_type` label of a blocking episode no actor's handler was running in."""


def running_cell(frame: FrameType | None) -> Cell | None:
    """The cell whose receive loop is on this stack, if any."""
    while frame is not None:
        if frame.f_code is _HANDLER_CODE:
            cell = frame.f_locals.get("cell")
            return cell if isinstance(cell, Cell) else None
        frame = frame.f_back
    return None


class Watchdog:
    def __init__(self, runtime: Runtime, threshold: float = BLOCKED_THRESHOLD) -> None:
        self._runtime = runtime
        self.threshold = check_seconds(threshold, "blocked_threshold")
        self.by_class: dict[str, int] = {}
        self._beat = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._loop_thread = 0

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop_thread = threading.get_ident()
        self._heartbeat(loop)
        self._thread = threading.Thread(
            target=self._watch, args=(loop,), name="actorkit-watchdog", daemon=True
        )
        self._thread.start()

    def _heartbeat(self, loop: asyncio.AbstractEventLoop) -> None:
        self._beat = time.monotonic()
        self._timer = loop.call_later(self.threshold / 4, self._heartbeat, loop)

    def _watch(self, loop: asyncio.AbstractEventLoop) -> None:
        """Until `stop`, or until the loop is closed under a system that was never shut down
        (`asyncio.run` cancelled it, or `start()` had no `shutdown()`): a closed loop beats
        no more, and the thread would report it blocked and keep it alive for good."""
        reported_beat = None
        named = False
        while not self._stop.wait(self.threshold / 4):
            if loop.is_closed():
                return
            beat = self._beat
            stalled = time.monotonic() - beat
            if stalled < self.threshold or (beat == reported_beat and named):
                continue
            named = self._report(stalled, again=beat == reported_beat)
            reported_beat = beat

    def _report(self, stalled: float, again: bool) -> bool:
        """Whether it named one of our actors. A stall first seen outside them (`again`
        then) may run on into a handler with no heartbeat between: that handler is still
        named, the outside not told twice.

        A function of its own, so that the loop thread's frames and the cell found in
        them go when it returns: kept in `_watch`, they would keep that actor (a stopped one
        too) alive until the next blocking episode."""
        cell = running_cell(sys._current_frames().get(self._loop_thread))
        if cell is None or cell.runtime is not self._runtime:
            if again:
                return False
            # Another system on this loop reports its own actor; here it is outside ours.
            self.by_class[OUTSIDE] = self.by_class.get(OUTSIDE, 0) + 1
            logger.warning(
                "event loop of %s blocked for %.2fs outside its actors' handlers%s",
                self._runtime.name,
                stalled,
                ""
                if cell is None
                else f" (in actor {cell.display_path} of system {cell.runtime.name})",
            )
            return False
        name = cell.class_name
        self.by_class[name] = self.by_class.get(name, 0) + 1
        logger.warning(
            "actor %s (%s) has blocked the event loop for %.2fs in its handler; "
            "use await, or run blocking work with asyncio.to_thread / anyio.to_thread",
            cell.display_path,
            name,
            stalled,
            extra={"actor_path": cell.display_path, "actor_class": name},
        )
        return True

    def stop(self) -> None:
        self._stop.set()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._thread is not None:
            self._thread.join(timeout=1.0)
            self._thread = None
