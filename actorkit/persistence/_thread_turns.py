"""Turns at the GIL for a thread that works for the loop, while the loop is busy.

A loop busy with short yields (actors yielding every 128 messages, senders waiting on a full
mailbox) lets go of the GIL for microseconds at a time, at each of its polls. A thread that
needs the GIL back then (aiosqlite's, each time the sqlite3 module returns from SQLite) is
woken at every one of those releases and finds the GIL taken again each time, so CPython
never asks the loop to hand it over: its convoy effect. A persist on the SQLite store took
0.27 ms on an idle loop and a median of 250 ms (up to 0.9 s) on a busy one. While a call to
such a thread is outstanding, the loop lets go of the GIL for `SLICE` every `PERIOD`: a call
that finishes within `PERIOD` (any call on an idle loop) costs one timer (docs/persistence.md).

The turns are the loop's, shared by every store with a call out on it: a timer per store
slept one turn per store each `PERIOD`, and a loop with twenty stores' calls out (systems side
by side, each with its store) did nothing else.
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


class _LoopTurns:
    """The calls out on one loop, and its timer for their turns."""

    __slots__ = ("_handle", "_loop", "waiting")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.waiting = 0
        self._handle = loop.call_later(PERIOD, self._turn)

    def _turn(self) -> None:
        time.sleep(SLICE)  # lets go of the GIL: the thread woken by that takes it
        self._handle = self._loop.call_later(PERIOD, self._turn)

    def cancel(self) -> None:
        self._handle.cancel()


_LOOPS: dict[asyncio.AbstractEventLoop, _LoopTurns] = {}
"""The loops with a call out, each until its last call is back."""


@contextmanager
def waiting() -> Iterator[None]:
    """Around the awaits of calls run by a thread (of any store: the turns are the loop's)."""
    loop = asyncio.get_running_loop()
    turns = _LOOPS.get(loop)
    if turns is None:
        turns = _LOOPS[loop] = _LoopTurns(loop)
    turns.waiting += 1
    try:
        yield
    finally:
        turns.waiting -= 1
        if not turns.waiting:
            turns.cancel()
            if _LOOPS.get(loop) is turns:
                del _LOOPS[loop]
