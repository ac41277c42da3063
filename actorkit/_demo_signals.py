"""The demo's SIGINT and SIGTERM: the first stops the run, one during the shutdown stops
waiting for it."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Iterator

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupts:
    """What a signal does depends on when it comes. Before the shutdown it sets `received`,
    which stops the run (one during the start too, once the start returns). During the
    shutdown (`shutting_down`) it raises `KeyboardInterrupt` out of the loop, as
    `asyncio.run`'s second Ctrl-C does: the loop's end then cancels the shutdown's task,
    which forces the actors' stop at once (docs/api.md) instead of waiting out its timeout."""

    def __init__(self) -> None:
        self.received = asyncio.Event()
        self.shutting_down = False

    def __call__(self) -> None:
        if self.shutting_down:
            raise KeyboardInterrupt
        self.received.set()


@contextlib.contextmanager
def interrupts() -> Iterator[Interrupts]:
    """The handlers, from the start of the demo to its end; Python's own after that."""
    loop = asyncio.get_running_loop()
    handler = Interrupts()
    for sig in SIGNALS:
        loop.add_signal_handler(sig, handler)
    try:
        yield handler
    finally:
        for sig in SIGNALS:
            loop.remove_signal_handler(sig)
