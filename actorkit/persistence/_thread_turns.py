"""Turns at the GIL for a thread that works for the loop, while the loop is busy.

A loop busy with short yields (actors yielding every 128 messages, senders waiting on a full
mailbox) lets go of the GIL for microseconds at a time, at each of its polls. A thread that
needs the GIL back then (aiosqlite's, each time the sqlite3 module returns from SQLite) is
woken at every one of those releases and finds the GIL taken again each time, so CPython
never asks the loop to hand it over: its convoy effect. A persist on the SQLite store took
0.27 ms on an idle loop and a median of 250 ms (up to 0.9 s) on a busy one. While a call to
such a thread is outstanding, the loop lets go of the GIL for `SLICE` every `PERIOD`: a call
that finishes within `PERIOD` (any call on an idle loop) costs one timer, and a loop gives
at most 2.5% of its time to the turns (docs/persistence.md).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager

PERIOD = 0.002
"""Seconds between the loop's turns while a thread's call is outstanding."""
SLICE = 0.00005
"""Seconds of each turn: a woken thread takes the GIL within tens of microseconds."""


class ThreadTurns:
    """The outstanding calls of one store's threads, and the loop's timer for their turns."""

    __slots__ = ("_handle", "_waiting")

    def __init__(self) -> None:
        self._waiting = 0
        self._handle: asyncio.TimerHandle | None = None

    @contextmanager
    def waiting(self) -> Iterator[None]:
        """Around the awaits of calls run by a thread."""
        self._waiting += 1
        if self._handle is None:
            loop = asyncio.get_running_loop()
            self._handle = loop.call_later(PERIOD, self._turn, loop)
        try:
            yield
        finally:
            self._waiting -= 1
            if not self._waiting and self._handle is not None:
                self._handle.cancel()
                self._handle = None

    def _turn(self, loop: asyncio.AbstractEventLoop) -> None:
        time.sleep(SLICE)  # lets go of the GIL: the thread woken by that takes it
        self._handle = loop.call_later(PERIOD, self._turn, loop)
