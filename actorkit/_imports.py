"""Importing an attachment without holding the event loop."""

from __future__ import annotations

import asyncio
import importlib
import sys


async def import_off_the_loop(module: str) -> None:
    """Import an attachment (prometheus_client, aiohttp: 100-400 ms) in a thread, so its first
    use does not hold the event loop (which the watchdog would rightly report)."""
    if module not in sys.modules:
        await asyncio.to_thread(importlib.import_module, module)
