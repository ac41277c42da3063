"""A cycle of asks (A's handler asks B, whose handler asks A back) is no deadlock detected:
it ends when its innermost ask times out, as docs/api.md §2 says, and that `AskTimeout`,
let out of each handler in turn, is each one's failure and the first asker's answer."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, AskTimeout
from actorkit.testing import ManualClock


class Asking(Actor):
    """Asks `/b` on "go"; answers anything else."""

    async def receive(self, message: Any) -> Any:
        if message == "go":
            return await self.system.ask("/b", "back", timeout=2.0)
        return f"a:{message}"


class AskingBack(Actor):
    async def receive(self, message: Any) -> Any:
        return await self.system.ask("/a", message, timeout=1.0)


async def test_a_cycle_of_asks_ends_at_its_innermost_timeout(clock: ManualClock) -> None:
    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        await system.spawn(Asking, name="a", restart="temporary")
        await system.spawn(AskingBack, name="b", restart="temporary")
        asked = asyncio.ensure_future(system.ask("/a", "go", timeout=3.0))
        await clock.advance(0.999)
        assert not asked.done()
        await clock.advance(0.001)
        with pytest.raises(AskTimeout, match=r"no reply from /a within 1\.0s"):
            await asked  # B's own ask of A, let out of B's handler, then of A's
        assert system.lookup("/a") is None  # each handler failed with it: stopped, temporary
        assert system.lookup("/b") is None
