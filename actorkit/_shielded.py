"""Waiting out cleanup under anyio's level-triggered cancellation.

A plain asyncio cancellation is delivered once: code that catches it can await its cleanup
(an `asyncio.shield`ed shutdown, a write's fate, a read-back) and then re-raise. An anyio
cancel scope that was cancelled (`move_on_after`, `fail_after`, a task group's scope, which
is how Starlette, FastAPI and anyio's pytest plugin run code) cancels its task again at every
await until the scope is left: that cleanup would be cut short at its first await, or a
loop that waits through cancellations would spin, woken at every turn of the event loop.

`shielded()` is anyio's own answer, a shielded `CancelScope`, around such waits: no anyio
scope outside it cancels them, while a native `Task.cancel()` (an `asyncio.timeout`, the end
of `asyncio.run`) still lands in them as before. What waits in it is bounded on its own (a
shutdown's timeout, a store's timeout, a bind's timeout). anyio is imported on first use,
not with actorkit, and never by a program that does not use it: no anyio scope exists before
anyio's asyncio backend is loaded, and loading it (35-45 ms) would hold the loop."""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager, nullcontext
from typing import cast

_BACKEND = "anyio._backends._asyncio"
"""Loaded by anyio's first `CancelScope`, task group or `anyio.run` on asyncio (uvloop too)."""


def shielded() -> AbstractContextManager[object, None]:
    """A shielded anyio `CancelScope` for the current task (an asyncio task of any loop), or
    nothing where no anyio scope can be around it. Never cancelled itself, it never swallows
    an exception (its `__exit__` returns False), so the type says so: a `return` inside it
    ends the function."""
    if _BACKEND not in sys.modules:
        return nullcontext()
    from anyio import CancelScope

    return cast("AbstractContextManager[object, None]", CancelScope(shield=True))
