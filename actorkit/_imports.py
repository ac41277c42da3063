"""Importing an attachment without holding the event loop."""

from __future__ import annotations

import importlib
import sys

from ._thread_turns import to_thread


async def import_off_the_loop(module: str) -> None:
    """Import an attachment (prometheus_client, aiohttp: 100-400 ms) in a thread, so its first
    use does not hold the event loop (which the watchdog would rightly report)."""
    if module not in sys.modules:
        await to_thread(importlib.import_module, module)
