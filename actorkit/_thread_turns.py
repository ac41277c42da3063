"""Turns at the GIL for threads that work for the loop, while the loop is busy.

A loop busy with short yields (actors yielding every 128 messages, senders waiting on a full
mailbox) lets go of the GIL for microseconds at a time, at each of its polls. A thread that
needs the GIL then (to start a call, to hand back its result, or aiosqlite's each time the
sqlite3 module returns from SQLite) is woken at every one of those releases and finds the GIL
taken again each time, so CPython never asks the loop to hand it over: its convoy effect. An
`asyncio.to_thread(lambda: None)` took a median of 40 to 125 ms beside one busy sender against
0.04 ms on an idle loop, and a persist on the SQLite store a median of 250 ms against 0.27 ms.
While a thread's call is outstanding, the loop lets go of the GIL for `SLICE` every `PERIOD`:
a call that finishes within `PERIOD` (any call on an idle loop) costs one timer.

The turns are the loop's, shared by every call out on it: a timer per caller slept one turn
per caller each `PERIOD`, and a loop with twenty stores' calls out did nothing else.
"""

from __future__ import annotations

import asyncio
import functools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import copy_context
from typing import Generic, ParamSpec, TypeVar, cast

from ._hook_checks import is_async
from ._shown import given

P = ParamSpec("P")
T = TypeVar("T")

PERIOD = 0.002
"""Seconds between the loop's turns while a thread's call is outstanding."""
SLICE = 0.00005
"""Seconds of each turn: a woken thread takes the GIL within tens of microseconds."""


class LoopTurns:
    """The calls out on one loop, and its timer for their turns."""

    __slots__ = ("_loop", "handle", "waiting")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.waiting = 0
        self.handle = loop.call_later(PERIOD, self.turn)

    def turn(self) -> None:
        began = time.perf_counter()
        time.sleep(SLICE)  # lets go of the GIL: the thread woken by that takes it
        # A thread that runs Python keeps the GIL until CPython's switch interval makes it
        # let go (5 ms): the loop then keeps it as long before the next turn, so that the two
        # share it half and half (a turn every `PERIOD` would leave the loop a quarter).
        held = time.perf_counter() - began
        self.handle = self._loop.call_later(max(PERIOD, held), self.turn)

    def cancel(self) -> None:
        self.handle.cancel()


LOOPS: dict[asyncio.AbstractEventLoop, LoopTurns] = {}
"""The loops with a call out, each until its last call is back."""


def _running_loop(what: str) -> asyncio.AbstractEventLoop:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        raise RuntimeError(
            f"{what} gives turns to the running event loop's threads: call it in a coroutine "
            "running on that loop, not in another thread or outside asyncio"
        ) from None


def hold(loop: asyncio.AbstractEventLoop) -> None:
    turns = LOOPS.get(loop)
    if turns is None:
        turns = LOOPS[loop] = LoopTurns(loop)
    turns.waiting += 1


def let_go(loop: asyncio.AbstractEventLoop) -> None:
    turns = LOOPS.get(loop)
    if turns is None:  # its loop closed while a call was out, and its turns went with it
        return
    turns.waiting -= 1
    if not turns.waiting:
        turns.cancel()
        del LOOPS[loop]


@contextmanager
def thread_turns() -> Iterator[None]:
    """While inside, the running loop lets go of the GIL for 50 µs every 2 ms, so that
    threads of the program get it even while the loop is busy (CPython's convoy effect
    starves them otherwise, README "Threads"). For threads that feed the system
    (`call_soon_threadsafe`) or that the loop waits on; `to_thread` takes turns by itself.
    A busy loop gives about 6% of its time to a thread that waits on I/O, and half at most to
    one that runs Python the whole time (which it would starve otherwise); an idle loop
    gives none but wakes for each turn, about 2% of a core while held."""
    loop = _running_loop("thread_turns()")
    hold(loop)
    try:
        yield
    finally:
        let_go(loop)


async def to_thread(func: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """`asyncio.to_thread`, with the loop's turns at the GIL until the call returns: its round
    trip beside a busy sender took 1.9 ms where `asyncio.to_thread`'s took 76 ms.
    Cancelled, it raises at once as `asyncio.to_thread` does, and the thread runs on to its
    end, with its turns: a thread left waiting for the GIL would hold an executor worker. A
    call cancelled before a thread began it never runs, and holds no turns."""
    if not callable(func):
        raise TypeError(
            f"to_thread() runs func, a function, in a thread; got {given(func)}: pass the "
            "function and its arguments apart, to_thread(fn, *args), not its result"
        )
    if is_async(func):
        raise TypeError(
            f"to_thread() runs a plain function in a thread; {given(func)} is async, and a "
            "thread would only make its coroutine, never run it: await it instead, "
            "`await fn(*args)`"
        )
    loop = _running_loop("to_thread()")
    call = _Call(loop, functools.partial(copy_context().run, func, *args, **kwargs))
    future = loop.run_in_executor(None, call)
    hold(loop)
    try:
        return cast(T, await future)  # None only for a call its caller left before it began
    finally:
        call.left()


class _Call(Generic[T]):
    """A call out to a thread, and who lets go of its turns: its caller, unless the thread has
    begun the call and not yet returned (a caller cancelled while the call runs on), when the
    thread does as the call returns. A call its caller left before a thread began it never
    runs: the executor drops a queued call cancelled with its caller, and nothing else would
    hand its turns back."""

    __slots__ = ("_began", "_caller_left", "_ended", "_lock", "_loop", "_run")

    def __init__(self, loop: asyncio.AbstractEventLoop, run: Callable[[], T]) -> None:
        self._loop = loop
        self._run = run
        self._lock = threading.Lock()
        self._began = self._ended = self._caller_left = False

    def __call__(self) -> T | None:  # in the thread
        with self._lock:
            self._began = not self._caller_left
        if not self._began:
            return None  # nobody awaits it, and its caller let go of its turns
        try:
            return self._run()
        finally:
            with self._lock:
                self._ended = True
                caller_left = self._caller_left
            if caller_left:
                try:
                    self._loop.call_soon_threadsafe(let_go, self._loop)
                except RuntimeError:  # the loop closed: nothing runs on it to take turns
                    LOOPS.pop(self._loop, None)

    def left(self) -> None:  # on the loop
        with self._lock:
            self._caller_left = True
            thread_lets_go = self._began and not self._ended
        if not thread_lets_go:
            let_go(self._loop)
