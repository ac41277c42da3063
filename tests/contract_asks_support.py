"""The actors the §2 contract tests ask: a handler that answers, fails or holds on demand,
and a parent that restarts it only after a long backoff."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, Backoff, OneForOne


class Refused(ValueError):
    """A user's own exception class: the asker must get this class, not a base or a wrapper."""


class Handler(Actor):
    """Raises `Refused` on "refuse", holds "hold" until its gate opens, fails on "fail",
    answers anything else with how many messages it counted."""

    def __init__(self, gate: asyncio.Event | None = None) -> None:
        self.gate = gate
        self.count = 0

    async def receive(self, message: Any) -> Any:
        if message == "refuse":
            raise Refused("not today")
        if message == "hold" and self.gate is not None:
            await self.gate.wait()
        if message == "fail":
            raise RuntimeError("failing on purpose")
        self.count += 1
        return self.count


BACKOFF = 10.0


class Backing(Actor):
    """Starts one `Handler` at `c` and restarts it `BACKOFF` seconds after each failure."""

    supervisor_strategy = OneForOne(
        max_restarts=10, within=100.0, backoff=Backoff(min=BACKOFF, max=BACKOFF, jitter=0.0)
    )

    async def on_start(self) -> None:
        await self.spawn(Handler, name="c")

    async def receive(self, message: Any) -> None:
        return None
