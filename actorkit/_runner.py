"""`actorkit.run`: `asyncio.run` on uvloop where uvloop is installed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from ._shown import given

T = TypeVar("T")


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:  # Windows, or installed without it: the stock loop works, slower
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def run(main: Coroutine[Any, Any, T], *, debug: bool | None = None, uvloop: bool = True) -> T:
    """Run `main` to completion on a fresh event loop, uvloop when available."""
    # Not `asyncio.iscoroutine`, which takes a generator on 3.11 (one fails in the loop).
    if not isinstance(main, Coroutine):
        raise TypeError(
            f"run needs a coroutine such as main() (called, not the function), got {given(main)}"
        )
    for what, flag in (("debug", debug), ("uvloop", uvloop)):
        if not isinstance(flag, bool) and not (what == "debug" and flag is None):
            raise TypeError(f"run's {what} must be True or False, got {given(flag)}")
    factory = loop_factory() if uvloop else None
    with asyncio.Runner(debug=debug, loop_factory=factory) as runner:
        return runner.run(main)
