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
import weakref

from ._cell import Cell
from ._runtime import Runtime
from ._seconds import check_seconds
from ._watchdog_frames import running_cell
from ._weakly import called_weakly

logger = logging.getLogger("actorkit")

BLOCKED_THRESHOLD = 0.5
"""Seconds the loop may be held by one callback before the blocking handler is reported."""

MIN_BLOCKED_THRESHOLD = 0.01
"""The shortest threshold taken: the heartbeat comes every quarter of it and may wait
`HANDOVER` for the thread, so under this it would take the loop's time for itself."""

HANDOVER = 0.005
"""Seconds a heartbeat waits at most for the watchdog thread to take its turn: a thread
switch, tens of microseconds on an idle core."""

OUTSIDE = "(outside actors)"
"""The `actor_type` label of a blocking episode no actor's handler was running in."""


class Watchdog:
    def __init__(self, runtime: Runtime, threshold: float = BLOCKED_THRESHOLD) -> None:
        self._runtime = runtime
        self.threshold: float = check_seconds(threshold, "blocked_threshold")
        if self.threshold < MIN_BLOCKED_THRESHOLD:
            raise ValueError(
                f"blocked_threshold must be at least {MIN_BLOCKED_THRESHOLD} seconds, got "
                f"{self.threshold!r}: the watchdog's heartbeat, every quarter of it, would "
                "take the loop's time; a loop held that briefly is no stall worth naming"
            )
        self._by_class: dict[str, int] = {}
        """Stalls by the class the actor counts under (`counts`)."""
        self._unclassed: list[tuple[Cell, str]] = []
        """Stalls in an actor's first factory call, a function's (a lambda, a partial), with
        what ran: its class is known once the call returns, so they are counted after it, at
        the next heartbeat's turn or scrape, whichever comes first."""
        self._counting = threading.Lock()
        """Both threads count: the watchdog's as it reports, the loop's at a scrape."""
        self._beat = time.monotonic()
        self._stopped_beat: float | None = None
        """The beat the thread set on seeing the loop stopped (`_paused`)."""
        self._stopping = False
        self._turn = _locked()
        """Released by the loop's heartbeat: the thread's turn to look."""
        self._taken = _locked()
        """Released by the thread once it has its turn: the heartbeat waits for it."""
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._loop_thread = 0

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop_thread = threading.get_ident()
        self._beat = time.monotonic()
        self._loop = loop
        held = weakref.ref(self)
        self._thread = threading.Thread(
            target=_watch, args=(held, self._turn), name="actorkit-watchdog", daemon=True
        )
        self._thread.start()
        self._timer = loop.call_later(self.threshold / 4, called_weakly, held, "_heartbeat", loop)

    def _heartbeat(self, loop: asyncio.AbstractEventLoop) -> None:
        """Refresh the beat and hand the thread its turn, waiting (at most `HANDOVER`) until
        it has the GIL. A thread that woke by itself would wait for the GIL while a busy
        loop lets go of it for microseconds at a time, at each poll: CPython's convoy
        effect kept it waiting 0.2-0.9 s, spinning on the other core, and slowed the loop
        by 12-15% (benchmarks/RESULTS.md, "the watchdog's turn")."""
        self._beat = time.monotonic()
        self._loop_thread = threading.get_ident()  # a loop may run on in another thread
        if self._turn.locked():  # its last turn taken (else it has one it has yet to take)
            self._taken.acquire(blocking=False)  # a late answer to a turn given up on
            self._turn.release()
            self._taken.acquire(timeout=HANDOVER)
        held = weakref.ref(self)
        self._timer = loop.call_later(self.threshold / 4, called_weakly, held, "_heartbeat", loop)

    def _wait(self, stall: _Stall | None) -> float:
        """Seconds to wait for a heartbeat's turn before looking at the loop."""
        if stall is not None and stall.beat == self._beat:  # look again a quarter on (`_look`)
            return self.threshold / 4
        return max(self._beat + self.threshold - time.monotonic(), 0.0)  # the beat this old

    def _turned(self) -> None:
        """A heartbeat's turn taken: the loop waits for this."""
        if self._taken.locked():
            self._taken.release()
        self._count_unclassed()

    def _waited(self, stall: _Stall | None) -> _Stall | None:
        """No heartbeat within the wait: the stall under way, if any, looked at. A loop
        closed under a system that was never shut down (`asyncio.run` cancelled it, or
        `start()` had no `shutdown()`) beats no more: the watchdog stops, not to report it."""
        loop = self._loop
        if self._stopping or loop is None or loop.is_closed():
            self._stopping = True
            self._unclassed.clear()  # held no longer: the loop will not go on
            return None
        now = time.monotonic()
        if self._paused(loop, now):
            return stall
        beat = self._beat
        if now - beat < self.threshold:
            return stall
        if stall is None or stall.beat != beat:
            stall = _Stall(beat)
        self._look(stall, now)
        return stall

    def _paused(self, loop: asyncio.AbstractEventLoop, now: float) -> bool:
        """Whether the loop is stopped between two of its runs (`asyncio.Runner.run` called
        again, `run_until_complete` once per request, a pytest-asyncio loop between the tests
        of its scope), or has run again since it was seen so, its heartbeat yet to come (the
        loop runs it first thing): nothing holds it, so a stall counts from now, not from a
        heartbeat before the pause. Once: a loop still without a heartbeat a threshold on is
        held."""
        if loop.is_running() and self._beat != self._stopped_beat:
            return False
        self._beat = now
        self._stopped_beat = None if loop.is_running() else now
        return True

    def _look(self, stall: _Stall, now: float) -> None:
        """Reports what holds the loop in this stall, each culprit once. A stall first seen
        outside our actors may run on into a handler with no heartbeat between: that handler
        is still named, the outside not told twice. One named, the loop may go on to the
        next handler in the same loop turn, still without a heartbeat: that one is named
        too, once seen holding the loop for three quarters of the threshold (seen once, it
        may have only just begun).

        A function of its own, so that the loop thread's frames and the cell found in
        them go when it returns: kept in `_watch`, they would keep that actor (a stopped one
        too) alive until the next blocking episode; `_Stall` keeps ids only."""
        stalled = now - stall.beat
        running = self._running()
        cell, where = running if running is not None else (None, "")
        if cell is None or cell.runtime is not self._runtime:
            stall.running = None
            if stall.looked:
                return
            stall.looked = True
            # Another system on this loop reports its own actor; here it is outside ours.
            self._count(OUTSIDE)
            logger.warning(
                "event loop of %s blocked for %.2fs outside its actors' handlers%s",
                self._runtime.name,
                stalled,
                ""
                if cell is None
                else f" (in actor {cell.display_path} of system {cell.runtime.name})",
            )
            return
        key = id(cell)
        if key in stall.named:
            return
        if stall.named:  # began within the stall: named once it held the loop long enough
            if stall.running != key:
                stall.running, stall.since = key, now
                return
            if now - stall.since < 0.75 * self.threshold:
                return
        stall.looked = True
        stall.named.add(key)
        name = cell.class_name
        # Counted as the actor's other figures are, under its first instance's class: a
        # restart's factory may have returned another (a fallback), which the log names.
        if cell.class_name_ is not None:
            self._count(cell.class_name_)
        else:  # its first factory call runs: its class is known once the call returns
            self._unclassed.append((cell, name))
        logger.warning(
            "actor %s (%s) has blocked the event loop for %.2fs in its %s; "
            "use await, or run blocking work with actorkit.to_thread (asyncio.to_thread with "
            "turns at the GIL on a busy loop)",
            cell.display_path,
            name,
            stalled,
            where,
            extra={"actor_path": cell.display_path, "actor_class": name},
        )

    def _running(self) -> tuple[Cell, str] | None:
        """`running_cell` of the thread the last heartbeat ran in, else of any thread this
        system's actors run in: a loop stopped in one thread may run on in another (then
        `run_forever` in a thread of its own) and be held there before its first heartbeat."""
        frames = sys._current_frames()
        running = running_cell(frames.pop(self._loop_thread, None))
        if running is None or running[0].runtime is not self._runtime:
            for frame in frames.values():
                found = running_cell(frame)
                if found is not None and found[0].runtime is self._runtime:
                    return found
        return running

    def counts(self) -> dict[str, int]:
        """Stalls by class so far, for a scrape, on the loop: a first factory call that held
        it has returned by now."""
        self._count_unclassed()
        with self._counting:
            return dict(self._by_class)

    def _count(self, name: str) -> None:
        with self._counting:
            self._by_class[name] = self._by_class.get(name, 0) + 1

    def _count_unclassed(self) -> None:
        """Count the stalls of first factory calls, now returned: under the class made, or
        under what ran if the call raised (no class, no spawn)."""
        while self._unclassed:
            try:
                cell, ran = self._unclassed.pop()
            except IndexError:  # the other thread counted the last
                return
            self._count(cell.class_name_ or ran)

    def stop(self) -> None:
        self._stopping = True
        if self._turn.locked():
            self._turn.release()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._thread is not None:
            self._thread.join(timeout=1.0)
            self._thread = None


def _watch(watchdog_ref: weakref.ref[Watchdog], turn: threading.Lock) -> None:
    """The thread's body, until the watchdog stops or its loop can no longer run: closed, or
    stopped and dropped without `close()` (its system never shut down). It holds the watchdog
    (and so the loop, the system, its actors) only while it looks, never while it waits: a
    loop dropped is then the collector's, and the thread ends at its next wake."""
    stall: _Stall | None = None  # the stall under way, once looked at
    while (watchdog := watchdog_ref()) is not None:
        wait = watchdog._wait(stall)
        del watchdog
        turned = turn.acquire(timeout=wait)  # a heartbeat's turn: the loop waits for this
        if (watchdog := watchdog_ref()) is None:
            return
        if turned:
            watchdog._turned()
        else:
            stall = watchdog._waited(stall)
        if watchdog._stopping:
            return


class _Stall:
    """One stall, by the beat it began after. Ids, not cells: the thread keeps no actor
    alive (an actor freed within the stall and its id reused could hide one report, no more)."""

    __slots__ = ("beat", "looked", "named", "running", "since")

    def __init__(self, beat: float) -> None:
        self.beat = beat
        self.looked = False
        """Reported once: outside our actors, or naming one."""
        self.named: set[int] = set()
        self.running: int | None = None
        """Another actor seen running after one was named, and since when."""
        self.since = 0.0


def _locked() -> threading.Lock:
    lock = threading.Lock()
    lock.acquire()
    return lock
