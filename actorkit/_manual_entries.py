"""The timers of `actorkit.testing.ManualClock`: a heap of entries in due order, then in the
order they were armed (`seq`: docs/api.md §5 says what that makes of entries due together).

A cancelled entry lets go of its callback at once, and leaves the heap once cancelled
entries are most of it, as asyncio drops its own cancelled loop timers. Until its due time
it otherwise held whatever its callback held (a system, an asyncio timeout), and the heap
one entry per ask deadline, pool resize or timer cancelled, for as long as a test or a
simulation did not advance past it.
"""

from __future__ import annotations

from asyncio import AbstractEventLoop, get_running_loop
from collections.abc import Callable
from heapq import heapify, heappop, heappush

COMPACT_AT = 64
"""Cancelled entries tolerated before the heap is rebuilt without them (when they are also
more than half of it): the rebuild's cost is spread over at least this many cancels."""


def _nothing() -> None:
    """The callback of a cancelled entry: it never runs, and holds nothing."""


class Entry:
    __slots__ = ("callback", "cancelled", "chain", "heap", "loop")

    def __init__(
        self,
        callback: Callable[[], object],
        heap: Entries | None = None,
        chain: int = 0,
        loop: AbstractEventLoop | None = None,
    ) -> None:
        self.callback: Callable[[], object] = callback
        self.cancelled: bool = False
        self.heap: Entries | None = heap
        """The heap that holds it, until it is taken from there."""
        self.chain: int = chain
        """0 for an entry armed for a time still to come; else (armed at no delay) one more
        than the entry whose firing it followed at that instant: how long a run of timers
        has kept time from moving. Entries armed earlier for one instant are 0 however many."""
        self.loop: AbstractEventLoop | None = loop
        """The loop it was armed on, if one ran: once that loop is closed, what the callback
        would touch (a system's actors, its futures) is gone with it."""

    @property
    def orphaned(self) -> bool:
        """Armed on a loop since closed: a system never shut down there runs nothing again
        (its loop closed by hand, no `asyncio.run` to end it), so it fires nothing."""
        loop = self.loop
        return loop is not None and loop.is_closed()

    def cancel(self) -> None:
        """Once or again: a second cancel finds no heap to tell."""
        self.cancelled = True
        self.callback = _nothing
        heap, self.heap = self.heap, None
        if heap is not None:
            heap.dropped()


class Entries(list[tuple[float, int, Entry]]):
    """A `heapq` heap of `(when, seq, entry)`, counting the cancelled entries it holds."""

    __slots__ = ("cancelled",)

    def __init__(self) -> None:
        super().__init__()
        self.cancelled: int = 0

    def push(self, when: float, seq: int, entry: Entry) -> None:
        entry.heap = self
        heappush(self, (when, seq, entry))

    def take(self) -> tuple[float, int, Entry]:
        """The earliest entry, out of the heap: cancelling it from now on counts for nothing."""
        item = heappop(self)
        entry = item[2]
        if entry.cancelled:
            self.cancelled -= 1
        else:
            entry.heap = None
        return item

    def drop_orphans(self) -> None:
        """Let go of the entries of loops since closed, and so of their systems."""
        self[:] = [item for item in self if not item[2].orphaned]
        heapify(self)
        self.cancelled = sum(1 for _, _, entry in self if entry.cancelled)

    def dropped(self) -> None:
        self.cancelled += 1
        if self.cancelled > COMPACT_AT and 2 * self.cancelled > len(self):
            self[:] = [item for item in self if not item[2].cancelled]
            heapify(self)
            self.cancelled = 0


class Lapsing:
    """A callback that may have nothing left to do by its time: the ask deadlines' one timer
    (`_clock.Expiry`) stays armed once the asks it was set for are answered, the timer
    queue's (`_timers.TimerQueue`) once the timers it was set for are cancelled."""

    __slots__ = ()

    def __call__(self) -> None:
        raise NotImplementedError

    def lapsed(self) -> bool:
        raise NotImplementedError


def running_loop() -> AbstractEventLoop | None:
    """The loop an entry is armed on; None when armed with none running (between two
    `run_until_complete`), which nothing closes under it."""
    try:
        return get_running_loop()
    except RuntimeError:
        return None


def live(entry: Entry) -> bool:
    """Not cancelled, and with work to do when it fires: a lapsed callback is no pending
    work."""
    if entry.cancelled or entry.orphaned:
        return False
    callback = entry.callback
    return not isinstance(callback, Lapsing) or not callback.lapsed()


def chain_error(chain: int, now: float) -> RuntimeError:
    """What `ManualClock.advance` raises at a chain of `SETTLE_LIMIT` entries: one timer
    restarted at no delay each time it fires, not many timers due at once (any number may)."""
    return RuntimeError(
        f"ManualClock fired {chain} timers at {now} without time moving, each armed at no delay "
        "by the one before it: a timer started again at no delay each time it fires "
        "(`timers.start_once(key, msg, 0)` in its own handler) never lets time pass; give it a "
        "delay"
    )
