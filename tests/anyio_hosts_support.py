"""What the tests of actorkit in an anyio host (`tests/test_anyio_hosts_*.py`) share: the loop
turns at which a scope is cancelled, and an actor whose start and handling each span a turn,
so a cancellation can land in them."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor

TURNS = range(12)


class Member(Actor):
    """Its start and its handling each span a loop turn, so a cancellation can land in them."""

    async def on_start(self) -> None:
        await asyncio.sleep(0)

    async def receive(self, message: Any) -> Any:
        await asyncio.sleep(0)
        return message
