"""Importing an attachment without holding the event loop."""

from __future__ import annotations

import importlib
import sys
from typing import NoReturn

from ._thread_turns import to_thread


async def import_off_the_loop(module: str) -> None:
    """Import an attachment (prometheus_client, aiohttp: 100-400 ms) in a thread, so its first
    use does not hold the event loop (which the watchdog would rightly report)."""
    if module not in sys.modules:
        await to_thread(importlib.import_module, module)


EXTRAS = {"nats": ("nats", "msgspec"), "persistence": ("msgspec", "aiosqlite", "asyncpg")}
"""What each optional extra of pyproject.toml brings, by top-level module."""


def raise_extra_missing(part: str, extra: str, error: ModuleNotFoundError) -> NoReturn:
    """Re-raise `error`, met while importing `part`, with the install line when the missing
    module is one the extra brings: a plain `pip install actorkit` reader is told what to
    install, not the name of a module they never asked for. Any other missing module is a
    fault of actorkit's own and goes on as it is."""
    top = (error.name or "").partition(".")[0]
    if top not in EXTRAS[extra]:
        raise error
    raise ModuleNotFoundError(
        f"{part} needs the {extra} extra ({top} is missing): pip install 'actorkit[{extra}]'",
        name=top,
    ) from error
